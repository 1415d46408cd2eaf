"""Every API sample is either used by a connector test or set aside with a reason.

Issue 5: each file in tests/fixtures/api-samples must be mapped (or sorted, for error
bodies) by a test under tests/connectors that names it, or be listed in `NOT_CONSUMED`
with the reason baton never receives that answer. A new sample without either fails
here. The MANIFEST (provenance) and the directory must also agree row for row.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

SAMPLES = Path(__file__).parents[1] / "fixtures" / "api-samples"
MANIFEST = SAMPLES / "MANIFEST.md"
TESTS = Path(__file__).parent
MANIFEST_ROW = re.compile(r"^\| `([^`]+)` \|")

READ_ONLY = "baton only reads: no connector sends"
NOT_CONSUMED: dict[str, str] = {
    "asana/task_delete.json": (
        f"{READ_ONLY} DELETE (AsanaClient has GET endpoints only); a deleted task "
        "reaches baton as a `deleted` event on the project's /events stream"),
    "asana/workspaces.json": (
        "the connector never lists /workspaces: the workspace gid is configured (a "
        "missing workspace shows as a 404 from GET /users?workspace=); the shape backs "
        "the sandbox replica, checked in tests/sandbox/test_sandbox_asana_contract.py"),
    "google/calendar/settings_timezone.json": (
        "the connector never calls settings.get: a calendar's zone comes from the "
        "events.list envelope's `timeZone` (EventContext.calendar_timezone)"),
    "salesforce/limits.json": (
        "the connector never calls /limits (quota trouble is sorted from the 403 "
        "REQUEST_LIMIT_EXCEEDED answer instead); its shape backs the sandbox replica's "
        "/limits, checked in tests/sandbox/test_sandbox_salesforce_contract.py"),
    "salesforce/oauth2_userinfo.json": (
        "the connector never calls /services/oauth2/userinfo: users are synced from "
        "SOQL on User (query_users.json) and the instance URL is configured"),
    "salesforce/query_cases.json": (
        "Case is not synced: the Salesforce streams are User, Account, Contact, "
        "Opportunity, Event and Task (connectors/salesforce/streams.py STREAMS)"),
    "salesforce/sobject_account_create_201.json": (
        f"{READ_ONLY} POST /sobjects (the client only runs query/queryAll)"),
    "salesforce/sobject_deleted.documented.json": (
        "the connector finds deletions with queryAll (`IsDeleted: true` rows in the "
        "recycle bin) and a full re-list after 15 days, never with /sobjects/X/deleted"),
    "salesforce/sobject_updated.documented.json": (
        "the connector finds changes with SOQL `WHERE SystemModstamp >= cursor`, "
        "never with /sobjects/X/updated (which returns bare ids, no fields to map)"),
    "trello/card_delete.json": (
        f"{READ_ONLY} DELETE (TrelloApi is GET-only); a deleted card is found through "
        "its deleteCard action (board_actions_filter_all.json)"),
}


def sample_files() -> list[str]:
    """Every sample below api-samples (any extension), as a path relative to it."""
    return sorted(str(p.relative_to(SAMPLES)) for p in SAMPLES.rglob("*")
                  if p.is_file() and p != MANIFEST)


def connector_test_sources() -> str:
    """The source of every connector test except this file (whose NOT_CONSUMED names
    every set-aside sample and would otherwise count as using it)."""
    return "\n".join(p.read_text() for p in sorted(TESTS.glob("test_*.py"))
                     if p.resolve() != Path(__file__).resolve())


def referenced(relative: str, texts: str) -> bool:
    """The file name appears whole (so `users.json` is not found in `query_users.json`)."""
    name = re.escape(Path(relative).name)
    return re.search(rf"(?<![\w.-]){name}(?![\w.-])", texts) is not None


def orphans(files: list[str], texts: str) -> list[str]:
    """Samples no connector test names and NOT_CONSUMED does not explain."""
    return [f for f in files if not referenced(f, texts) and f not in NOT_CONSUMED]


def test_every_sample_is_used_by_a_connector_test_or_has_a_reason() -> None:
    found = orphans(sample_files(), connector_test_sources())
    assert found == [], (
        "api samples no connector test names and NOT_CONSUMED does not explain: "
        f"{found}. Map the sample in a test (by file name) or give the reason here.")


def test_not_consumed_lists_only_existing_unused_samples_with_reasons() -> None:
    files, texts = set(sample_files()), connector_test_sources()
    assert sorted(set(NOT_CONSUMED) - files) == []  # no stale entries
    assert [f for f in NOT_CONSUMED if referenced(f, texts)] == []  # used: drop the entry
    assert all(len(reason) > 40 for reason in NOT_CONSUMED.values())


def test_sample_file_names_are_unique_so_a_name_identifies_a_sample() -> None:
    names = Counter(Path(f).name for f in sample_files())
    assert [n for n, count in names.items() if count > 1] == []


def manifest_rows() -> list[str]:
    return [m.group(1) for line in MANIFEST.read_text().splitlines()
            if (m := MANIFEST_ROW.match(line))]


def test_manifest_has_one_row_per_sample_and_no_row_without_a_file() -> None:
    rows = manifest_rows()
    assert [r for r, count in Counter(rows).items() if count > 1] == []
    files = set(sample_files())
    assert sorted(set(rows) - files) == [], "MANIFEST rows without a file"
    assert sorted(files - set(rows)) == [], "sample files without a MANIFEST row"


def test_a_new_sample_without_test_or_reason_would_be_an_orphan() -> None:
    """The orphan check is not vacuous (this file's own text is not searched)."""
    new = "trello/card_get_with_checklists.json"
    assert orphans([*sample_files(), new], connector_test_sources()) == [new]
