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

BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                          "\u2066\u2067\u2068\u2069")  # Unicode's Bidi_Control property
_SPACING = frozenset("\t\n\r\v\f\u2028\u2029")
# C0 and C1 control characters and DEL, line separators, and the bidi controls.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029" + "".join(sorted(BIDI_CONTROLS)) + "]")


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
