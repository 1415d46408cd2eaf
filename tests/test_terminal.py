"""Synced text is untrusted on a terminal too: every command that prints it strips control
characters and never lets rich read it as markup, piped and on a (forced) terminal."""

from __future__ import annotations

import io
import unicodedata
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from sqlmodel import Session
from typer.testing import CliRunner

from baton import database
from baton.cli import app
from baton.sync_command import report
from baton.terminal import BIDI_CONTROLS, clean, print_table
from feed.users import Role, add_user
from model import Identity, Link, LinkMethod, Person, RunStatus, SyncRun
from sync.pipeline import Outcome
from sync.runner import SourceResult, StreamResult
from tests.feed.feed_factories import NOW, alert, source_state, task

runner = CliRunner()
HOSTILE = ("Pay [/b] [bold red]x[/] :smile: \x1b]0;pwned\x07 \x1b[2J\x9b31m "
           "\u202eevil\u202c\tend\nnext\x00\x7f")
LITERAL = ("[/b]", "[bold red]x[/]", ":smile:")
TERMINAL = {"TTY_COMPATIBLE": "1", "COLUMNS": "400"}
PIPED = {"TTY_COMPATIBLE": "0"}


def assert_safe(output: str) -> None:
    """Nothing of HOSTILE reaches the terminal as a control, and its markup shows as text."""
    for sequence in ("\x1b]", "\x07", "\x1b[2J", "\x9b", "\u202e", "\x00", "\x7f",
                     "\x1b[1;31m", "\U0001f604"):
        assert sequence not in output, repr(sequence)
    for text in LITERAL:
        assert text in output
    assert "end next" in output


@pytest.mark.parametrize(("raw", "shown"), [
    ("\x1b]0;retitled\x07Budget", "]0;retitledBudget"),
    ("\x1b]52;c;ZXZpbA==\x07copy", "]52;c;ZXZpbA==copy"),
    ("\x1b[2J\x1b[Hcleared", "[2J[Hcleared"),
    ("\x9b31mC1 CSI", "31mC1 CSI"),
    ("pay\u202etxt.exe", "paytxt.exe"),
    ("iso\u2066late\u2069d", "isolated"),
    ("two\nlines\r\nand\ttab", "two lines  and tab"),
    ("line\u2028separator", "line separator"),
    ("nul\x00del\x7f", "nuldel"),
    ("Café — 日本 [b]", "Café — 日本 [b]"),
])
def test_clean_strips_every_form_of_control(raw: str, shown: str) -> None:
    assert clean(raw) == shown


@given(st.text())
def test_clean_leaves_no_control_and_keeps_every_other_character(text: str) -> None:
    cleaned = clean(text)
    assert not any(unicodedata.category(c) == "Cc" or c in BIDI_CONTROLS for c in cleaned)
    visible = [c for c in text if unicodedata.category(c) not in ("Cc", "Zl", "Zp")
               and c not in BIDI_CONTROLS and c != " "]
    assert [c for c in cleaned if c != " "] == visible
    assert clean(cleaned) == cleaned


def test_print_table_on_a_forced_terminal_shows_markup_as_text() -> None:
    out = io.StringIO()
    print_table(("title",), [(HOSTILE,)],
                console=Console(file=out, force_terminal=True, width=300))
    assert "\x1b[" in out.getvalue()  # it is a terminal: rich styles its own header
    assert_safe(out.getvalue())


def test_a_raw_rich_table_would_crash_on_the_same_text() -> None:
    """Why the helper exists: rich parses str cells as markup."""
    from rich.errors import MarkupError
    from rich.table import Table

    table = Table("title")
    table.add_row("closing [/b] tag")
    with pytest.raises(MarkupError):
        Console(file=io.StringIO(), force_terminal=True).print(table)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A baton.yaml whose database holds hostile text in every place a command prints."""
    (tmp_path / "rules.yaml").write_text(
        "rules:\n  - id: overdue\n    kind: overdue\n    severity: warning\n")
    path = tmp_path / "baton.yaml"
    path.write_text(f'database: "sqlite:///{tmp_path / "baton.db"}"\n'
                    "sources:\n  - {name: asana-main, type: asana, token: x, workspace: '1'}\n")
    engine = database.make_engine(f"sqlite:///{tmp_path / 'baton.db'}")
    database.upgrade(engine)
    with Session(engine) as session:
        alert(session, title=HOSTILE)
        source_state(session, "asana-main", NOW)
        task(session, title=HOSTILE, due_on=date(2026, 11, 20))
        session.add(SyncRun(run_id="r1", source="asana-main", stream=f"tasks:{HOSTILE}",
                            started_at=NOW - timedelta(minutes=5), finished_at=NOW,
                            status=RunStatus.failed, error=HOSTILE))
        ana = Person(email="ana@agency.example", name="Ana")
        session.add(ana)
        session.flush()
        session.add_all([
            Identity(source="asana-main", external_id="1", display_name=HOSTILE,
                     person_id=ana.id),
            Identity(source="asana-main", external_id="2", username=HOSTILE),
            Link(a_kind="task", a_source="asana-main", a_external_id=HOSTILE, b_kind="card",
                 b_source="trello", b_external_id="c1", method=LinkMethod.url_in_description),
        ])
        add_user(session, HOSTILE, Role.viewer, NOW)
        session.commit()
    engine.dispose()
    return path


COMMANDS = [["alerts"], ["status"], ["people"], ["links"], ["rules", "preview"],
            ["users", "list"]]


@pytest.mark.parametrize("terminal", [TERMINAL, PIPED], ids=["terminal", "piped"])
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_commands_print_synced_text_safely(config: Path, command: list[str],
                                           terminal: dict[str, str]) -> None:
    result = runner.invoke(app, [*command, "--config", str(config)],
                           env={**terminal, "BATON_NOW": NOW.isoformat()})
    assert result.exit_code == 0, result.output
    assert_safe(result.output)


def test_alerts_on_a_terminal_is_a_table_and_piped_keeps_one_row_per_line(
        config: Path) -> None:
    table = runner.invoke(app, ["alerts", "--config", str(config)], env=TERMINAL)
    piped = runner.invoke(app, ["alerts", "--config", str(config)], env=PIPED)
    assert "┃" in table.output or "│" in table.output
    [row] = piped.output.splitlines()
    assert len(row.split("\t")) == 7


def test_sync_report_cleans_stream_names_errors_and_lock_holders(
        capsys: pytest.CaptureFixture[str]) -> None:
    stream = StreamResult(stream=f"events:{HOSTILE}", status=RunStatus.failed)
    outcome = Outcome([SourceResult("google", RunStatus.failed, [stream],
                                    error=f"google: {HOSTILE}")],
                      locked=[("asana-main", HOSTILE)])
    report(outcome, quiet=False)
    captured = capsys.readouterr()
    assert_safe(captured.out)
    assert_safe(captured.err)
