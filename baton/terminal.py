"""Printing text that came from a synced tool: untrusted on a terminal, as in a browser.

A task title is whatever someone typed into Asana. Printed raw, an ESC or BEL in it
drives the terminal (`\\x1b]0;…\\x07` retitles the window, OSC 52 writes the clipboard,
cursor moves hide lines), bidi overrides reorder what is shown, and rich reads `[/b]`
as markup (a crash) or `[bold red]` as styling. Every command that prints synced text
goes through `clean` (plain lines) or `print_table` (rich on a terminal).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

# C0 and C1 control characters, DEL, Unicode line separators and the bidi embeddings,
# overrides and isolates (U+202A-U+202E, U+2066-U+2069).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SPACING = frozenset("\t\n\r\v\f\u2028\u2029")


def clean(value: object) -> str:
    """`value` as one printable line: whitespace controls become a space (so a title keeps
    its words apart and a tab-separated row keeps its columns), other controls go."""
    return _CONTROL.sub(lambda m: " " if m.group() in _SPACING else "", str(value))


def cell(value: object) -> Text:
    """A rich cell that is never read as markup, emoji code or highlighted."""
    return Text(clean(value))


def is_terminal() -> bool:
    """Whether stdout is a terminal, as rich decides it (FORCE_COLOR and TTY_COMPATIBLE
    count), so the table/plain choice and rich's styling never disagree."""
    return Console().is_terminal


def print_table(columns: Sequence[str], rows: Iterable[Sequence[object]],
                console: Console | None = None) -> None:
    table = Table(*columns)
    for row in rows:
        table.add_row(*(cell(value) for value in row))
    (console or Console()).print(table)
