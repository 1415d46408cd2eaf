"""Start the four replicas with a sample organisation and describe them as config.

`baton sandbox serve`, `baton demo`, the end-to-end tests and the benchmark
all start the sandbox this way. The config printed here is a complete
`baton.yaml` for the running replicas, including a source whose token is
revoked (the agency's Trello archive, the consultancy's old Asana workspace),
so `stale_source` has something real to find.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from sandbox import asana, google, salesforce, server, trello
from sandbox.org import Organisation
from sandbox.orgs import DEFAULT_ORG, sample
from sandbox.seed import (
    ASANA_TOKEN,
    GOOGLE_CLIENT,
    GOOGLE_REFRESH,
    GOOGLE_SECRET,
    SALESFORCE_SESSION,
    TRELLO_KEY,
    TRELLO_TOKEN,
    Replicas,
    Seeded,
    new_replicas,
    pin_clocks,
    seed,
)

TOOLS = ("asana", "trello", "google", "salesforce")
REVOKED_TOKENS = {"asana": "revoked-asana-token", "trello": "revoked-trello-token"}


@dataclass
class RunningSandbox:
    org: Organisation
    replicas: Replicas
    seeded: Seeded
    servers: dict[str, server.RunningServer]

    @property
    def ca_path(self) -> Path:
        path = self.servers["salesforce"].ca_path
        assert path is not None
        return path

    def url(self, tool: str) -> str:
        return self.servers[tool].base_url

    def stop(self) -> None:
        for handle in self.servers.values():
            handle.stop()


def start_sandbox(tls_dir: Path, *, org: str = DEFAULT_ORG, now: datetime | None = None,
                  port: int = 0, host: str = "127.0.0.1") -> RunningSandbox:
    """Seed the sample organisation called `org` and serve it; `port` 0 = free ports,
    else `port`..`port+3` for Asana, Trello, Google, Salesforce. A fixed `now` pins
    the replicas' clocks (reproducible runs); without it they follow real time."""
    organisation = sample(org).build(now or datetime.now(UTC))
    return start_org(organisation, tls_dir, pinned=now is not None, port=port, host=host)


def start_org(org: Organisation, tls_dir: Path, *, pinned: bool = True, port: int = 0,
              host: str = "127.0.0.1") -> RunningSandbox:
    """Seed and serve a given organisation (a sample one, or one a test transformed);
    `pinned` pins the replicas' clocks to the organisation's `now`."""
    replicas = new_replicas(org)
    if pinned:
        pin_clocks(replicas, org.now)
    return serve(org, replicas, seed(org, replicas), tls_dir, port=port, host=host)


def serve(org: Organisation, replicas: Replicas, seeded: Seeded, tls_dir: Path, *,
          port: int = 0, host: str = "127.0.0.1") -> RunningSandbox:
    """Serve already seeded replicas (the sample organisation, or a generated one for
    the benchmark); ports as for `start_sandbox`."""
    apps = {"asana": asana.create_app(replicas.asana),
            "trello": trello.create_app(replicas.trello),
            "google": google.create_app(replicas.google),
            "salesforce": salesforce.create_app(replicas.salesforce)}
    servers: dict[str, server.RunningServer] = {}
    try:
        for offset, tool in enumerate(TOOLS):
            servers[tool] = server.start(
                apps[tool], port=port + offset if port else 0, host=host,
                tls_dir=tls_dir if tool == "salesforce" else None)
    except Exception:
        for handle in servers.values():
            handle.stop()
        raise
    return RunningSandbox(org, replicas, seeded, servers)


def write_config(path: Path, sandbox: RunningSandbox, *, rules_file: Path,
                 database: str) -> None:
    """`sandbox_config` written readable by its owner only, as any baton.yaml should be."""
    server.write_private(path, sandbox_config(sandbox, rules_file=rules_file,
                                              database=database))


def sandbox_config(sandbox: RunningSandbox, *, rules_file: Path, database: str) -> str:
    """A complete baton.yaml for the running sandbox (credentials are the sandbox's own).
    Paths in it are absolute: baton reads relative ones against the config's folder,
    which is not the folder the sandbox was started from."""
    data: dict[str, Any] = {
        "database": database, "timezone": sandbox.org.timezone,
        "rules_file": str(rules_file.resolve()),
        "sources": _sources(sandbox), "people": _people(sandbox),
    }
    on_duty = next((m for m in sandbox.org.members if m.key == sandbox.org.coordinator), None)
    if on_duty is not None:
        data["coordinator"] = {"email": on_duty.email, "name": on_duty.name}
    out = io.StringIO()
    yaml = YAML()
    yaml.default_flow_style = False
    out.write("# baton.yaml for the sandbox (`baton sandbox serve`); the credentials are\n"
              "# the sandbox's own fakes, real ones must come from ${VARIABLES}.\n")
    yaml.dump(data, out)
    return out.getvalue()


def _sources(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    """One source per tool account of the organisation (a revoked token for every account
    but `main`), then Google and Salesforce."""
    found = []
    for spec, name in sandbox.org.sources.items():
        tool, _, account = spec.partition(":")
        source = {"asana": _asana_source, "trello": _trello_source}[tool](sandbox, account)
        if account != "main":
            source["token"] = REVOKED_TOKENS[tool]
        found.append({"name": name, "type": tool, **source})
    return [*found,
            {"name": "google", "type": "google", "calendars": list(sandbox.seeded.calendars),
             "tasks_owner": sandbox.org.google_user,
             "auth": {"kind": "oauth", "client_id": GOOGLE_CLIENT,
                      "client_secret": GOOGLE_SECRET, "refresh_token": GOOGLE_REFRESH,
                      "token_uri": sandbox.url("google") + "/token"},
             "base_url": sandbox.url("google") + "/"},
            {"name": "salesforce", "type": "salesforce",
             "instance_url": sandbox.url("salesforce"),
             "auth": {"kind": "session", "session_id": SALESFORCE_SESSION},
             "ca_bundle": str(sandbox.ca_path.resolve())}]


def _asana_source(sandbox: RunningSandbox, account: str) -> dict[str, Any]:
    """The main account syncs every project of its workspace; another lists its own."""
    source: dict[str, Any] = {"token": ASANA_TOKEN,
                              "workspace": sandbox.seeded.asana_workspaces[account]}
    if account != "main":
        source["projects"] = [sandbox.seeded.ids[f"project:{p.key}"]["asana"]
                              for p in sandbox.org.projects
                              if p.tool == "asana" and p.account == account]
    return {**source, "base_url": sandbox.url("asana") + "/api/1.0"}


def _trello_source(sandbox: RunningSandbox, account: str) -> dict[str, Any]:
    boards = [sandbox.seeded.trello_boards[p.key] for p in sandbox.org.projects
              if p.tool == "trello" and p.account == account]
    return {"key": TRELLO_KEY, "token": TRELLO_TOKEN, "boards": boards,
            "base_url": sandbox.url("trello") + "/1"}


def _people(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    org, people = sandbox.org, []
    for m in org.members:
        aliases: dict[str, str] = {}
        if m.trello_username and "trello:main" in org.sources:
            aliases[org.sources["trello:main"]] = m.trello_username
        if m.asana_email and m.asana_email != m.email:
            aliases[org.sources["asana:main"]] = sandbox.seeded.ids[f"person:{m.key}"]["asana"]
        entry: dict[str, Any] = {"email": m.email, "name": m.name,
                                 "weekly_capacity_hours": m.weekly_capacity_hours,
                                 "working_days": list(m.working_days),
                                 "timezone": m.timezone}
        if not m.active_in_config:
            entry["active"] = False
        if aliases:
            entry["aliases"] = aliases
        people.append(entry)
    return people
