"""The whole sandbox: four replicas seeded with the sample organisation, and its config."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from baton.config import load_config
from baton.sources import GoogleSource, SalesforceSource, TrelloSource
from sandbox.run import RunningSandbox, sandbox_config
from sandbox.seed import ASANA_TOKEN, SALESFORCE_SESSION, TRELLO_KEY, TRELLO_TOKEN
from tests.conftest import SANDBOX_NOW, running_sandbox
from tests.processes import baton, running

NOW = SANDBOX_NOW
RULES = Path(__file__).parents[2] / "config" / "rules.yaml"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    yield from running_sandbox(tmp_path_factory)


def test_generated_config_is_valid_and_points_at_the_replicas(sandbox: RunningSandbox,
                                                               tmp_path: Path) -> None:
    path = tmp_path / "baton.yaml"
    path.write_text(sandbox_config(sandbox, rules_file=RULES, database="sqlite:///x.db"))
    config = load_config(path, environ={})
    names = [s.name for s in config.sources]
    assert names == ["asana-main", "trello-studio", "trello-archive", "google", "salesforce"]
    google = config.source("google")
    assert isinstance(google, GoogleSource) and len(google.calendars) == 11
    salesforce = config.source("salesforce")
    assert isinstance(salesforce, SalesforceSource)
    assert salesforce.ca_bundle == sandbox.ca_path
    ben = next(p for p in config.people if p.email == "ben@fernweh.example")
    assert ben.aliases["asana-main"] == sandbox.seeded.ids["person:ben"]["asana"]


def test_asana_and_trello_answer_with_the_organisation(sandbox: RunningSandbox) -> None:
    me = requests.get(sandbox.url("asana") + "/api/1.0/users/me", timeout=5,
                      headers={"Authorization": f"Bearer {ASANA_TOKEN}"})
    assert me.status_code == 200 and me.json()["data"]["email"] == "lea@fernweh.example"
    board = sandbox.seeded.trello_boards["studio"]
    cards = requests.get(f"{sandbox.url('trello')}/1/boards/{board}/cards", timeout=5,
                         params={"key": TRELLO_KEY, "token": TRELLO_TOKEN, "filter": "all"})
    assert "Final poster artwork" in {c["name"] for c in cards.json()}


def test_the_archive_source_token_is_revoked(sandbox: RunningSandbox,
                                             tmp_path: Path) -> None:
    path = tmp_path / "baton.yaml"
    path.write_text(sandbox_config(sandbox, rules_file=RULES, database="sqlite:///x.db"))
    archive = load_config(path, environ={}).source("trello-archive")
    assert isinstance(archive, TrelloSource)
    answer = requests.get(f"{sandbox.url('trello')}/1/members/me", timeout=5, params={
        "key": archive.key.get_secret_value(), "token": archive.token.get_secret_value()})
    assert answer.status_code == 401 and answer.text == "invalid token"


def test_salesforce_over_tls_with_the_sandbox_ca(sandbox: RunningSandbox) -> None:
    session = requests.Session()
    session.trust_env = False
    session.verify = str(sandbox.ca_path)
    answer = session.get(sandbox.url("salesforce") + "/services/data/v60.0/query",
                         params={"q": "SELECT Id, Name, StageName FROM Opportunity"},
                         headers={"Authorization": f"Bearer {SALESFORCE_SESSION}"}, timeout=5)
    assert answer.status_code == 200
    assert {r["Name"] for r in answer.json()["records"]} >= {"Helios Product Launch",
                                                             "Atlas Gala"}


def test_baton_sandbox_serve_prints_urls_writes_config_and_stops_on_sigterm(
        tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "baton", "sandbox", "serve", "--port", "0", "--dir",
         str(tmp_path), "--now", NOW.isoformat()],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        lines = [process.stdout.readline().strip() for _ in range(6)]  # type: ignore[union-attr]
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert [line.split()[0] for line in lines] == ["asana", "trello", "google", "salesforce",
                                                   "CA", "config"]
    assert lines[3].split()[1].startswith("https://127.0.0.1:")
    assert process.returncode == 0, stderr
    assert "sandbox ready" in stderr
    config = load_config(tmp_path / "baton.yaml", environ={})
    assert config.database == f"sqlite:///{(tmp_path / 'baton.db').resolve()}"


def test_the_readme_flow_sandbox_serve_then_sync_from_another_folder(tmp_path: Path) -> None:
    """README "Try it against the sandbox": default --dir, relative to where it runs; the
    sync runs from elsewhere and every source but the revoked one succeeds."""
    served, elsewhere = tmp_path / "served", tmp_path / "elsewhere"
    served.mkdir()
    elsewhere.mkdir()
    process = baton("sandbox", "serve", "--port", "0", "--now", NOW.isoformat(), cwd=served)
    with running(process) as lines:
        lines.until("config")
        config = served / ".sandbox" / "baton.yaml"
        sync = baton("sync", "--config", str(config), "--now", NOW.isoformat(), cwd=elsewhere)
        stdout, stderr = sync.communicate(timeout=300)
    assert sync.returncode == 1, stderr  # trello-archive's token is revoked, on purpose
    assert "internal error" not in stderr
    assert [line.split(":")[0] for line in stderr.splitlines()] == ["baton"]
    assert "trello-archive" in stderr
    salesforce = [line for line in stdout.splitlines() if line.startswith("salesforce ")]
    assert salesforce and all(" ok " in line for line in salesforce), stdout
    assert {p.relative_to(served).as_posix(): p.stat().st_mode & 0o777 for p in (
        config, served / ".sandbox" / "tls" / "server.key", served / ".sandbox" / "baton.db")
    } == {".sandbox/baton.yaml": 0o600, ".sandbox/tls/server.key": 0o600,
          ".sandbox/baton.db": 0o600}


@pytest.fixture(scope="module")
def consultancy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    yield from running_sandbox(tmp_path_factory, "consultancy")


def test_consultancy_config_has_its_own_sources_people_and_no_estimate_field(
        consultancy: RunningSandbox, tmp_path: Path) -> None:
    path = tmp_path / "baton.yaml"
    text = sandbox_config(consultancy, rules_file=RULES, database="sqlite:///x.db")
    path.write_text(text)
    config = load_config(path, environ={})
    assert [s.name for s in config.sources] == ["asana-main", "asana-legacy", "trello-delivery",
                                                "google", "salesforce"]
    assert "estimate_field" not in text and config.timezone == "America/New_York"
    assert {p.email for p in config.people if not p.active} == {"raj@northbeam.example",
                                                               "ines@northbeam.example"}
    kate = next(p for p in config.people if p.email == "kate@northbeam.example")
    assert kate.aliases == {"asana-main": consultancy.seeded.ids["person:kate"]["asana"],
                            "trello-delivery": "katieo"}
    google = config.source("google")
    assert isinstance(google, GoogleSource) and google.tasks_owner == "maya@northbeam.example"
    assert len(google.calendars) == 8  # the two who left have no calendar any more
    legacy = config.source("asana-legacy")
    answer = requests.get(consultancy.url("asana") + "/api/1.0/users/me", timeout=5,
                          headers={"Authorization": f"Bearer {legacy.token.get_secret_value()}"})
    assert answer.status_code == 401


def test_consultancy_replicas_answer_in_its_habits(consultancy: RunningSandbox) -> None:
    ids = consultancy.seeded.ids
    auth = {"Authorization": f"Bearer {ASANA_TOKEN}"}
    task = requests.get(f"{consultancy.url('asana')}/api/1.0/tasks/"
                        f"{ids['item:onboarding-flow']['asana']}", timeout=5, headers=auth,
                        params={"opt_fields": "notes,html_notes,custom_fields.name"}).json()
    card = ids["item:onboarding-card"]["trello"]
    short_link = consultancy.replicas.trello.cards[card].short_link
    assert short_link not in task["data"]["notes"]
    assert f'href="https://trello.com/c/{short_link}/' in task["data"]["html_notes"]
    assert [f["name"] for f in task["data"]["custom_fields"]] == ["Effort (days)"]
    board = consultancy.seeded.trello_boards["design"]
    trello = {"key": TRELLO_KEY, "token": TRELLO_TOKEN}
    fields = requests.get(f"{consultancy.url('trello')}/1/boards/{board}/customFields",
                          params=trello, timeout=5).json()
    tokens = requests.get(f"{consultancy.url('trello')}/1/cards/"
                          f"{ids['item:design-tokens']['trello']}/customFieldItems",
                          params=trello, timeout=5).json()
    assert [f["name"] for f in fields] == ["Est. hours"]
    assert tokens == [{"id": tokens[0]["id"], "value": {"number": "12"},
                       "idCustomField": fields[0]["id"],
                       "idModel": ids["item:design-tokens"]["trello"], "modelType": "card"}]
    lists = consultancy.replicas.google.tasks.tasklists
    assert {t.title for t in lists.values()} == {"My Tasks", "Hiring Q1"}  # Offsite deleted


def test_baton_sandbox_serve_takes_the_organisation(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "baton", "sandbox", "serve", "--port", "0", "--dir",
         str(tmp_path), "--org", "consultancy"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        for _ in range(6):
            process.stdout.readline()  # type: ignore[union-attr]
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    config = load_config(tmp_path / "baton.yaml", environ={})
    assert "trello-delivery" in [s.name for s in config.sources]


def test_an_unknown_organisation_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "baton", "sandbox", "serve", "--org", "zoo",
                           "--dir", str(tmp_path)], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert all(word in done.stderr for word in ("'zoo'", "'agency'", "'consultancy'"))
