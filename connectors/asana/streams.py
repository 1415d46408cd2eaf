"""Asana streams: `users`, `projects`, then `tasks` partitioned per project.

- users: every page of `GET /users?workspace=` -> identities (active: they are
  members). Asana has no "deactivated" flag, a removed user just leaves the listing,
  so the cursor is the JSON list of member gids: whoever left since is looked up
  (`GET /users/{gid}`) and reported `active=False`. Tasks may still name them.
- projects: the configured gids (`GET /projects/{gid}`; 404 -> tombstone), or every
  project of the workspace, archived included, ending with complete `Scope("project")`.
- tasks:<project gid>: tasks of the project (`GET /tasks?project=`) and, for each
  task with subtasks, `GET /tasks/{gid}/subtasks` (recursively: Asana nests them).
  Incremental by `modified_since`, whose value is the start of the last complete pass
  minus `CLOCK_SKEW` (a signpost: never past the sync's start). Boundary rows repeat
  (Asana's filter is `>=`, and the skew widens it); upserts absorb that.
  Deletions come only from the project's events stream (`sync` token): `deleted`
  task events become tombstones, plus an empty complete scope on `parent_external_id`
  so the deleted task's subtasks go too (Asana deletes them with it, and a project's
  stream shows no events for subtasks). No token yet, `--full`, or 412 (expired token)
  -> a full re-list of the project ending with complete
  `Scope("task", (("project_external_id", gid),))`, so sync tombstones what is missing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.asana.client import AsanaClient, NotFound, SyncTokenExpired
from connectors.asana.mapping import MapContext, map_identity, map_project, map_task
from connectors.batch import Batch, Scope
from connectors.errors import RecordInvalid, SourceStopped
from connectors.listing import Listing, quarantine, text_id
from connectors.policy import CallPolicy, Scrubber
from model import Identity

USER_FIELDS = "name,email"
OUTSIDER_FIELDS = "name,email,workspaces"
PROJECT_FIELDS = ("name,archived,completed,modified_at,owner,due_on,permalink_url,notes,"
                  "html_notes")
TASK_FIELDS = ",".join((
    "name", "notes", "html_notes", "assignee", "due_on", "due_at", "start_on", "completed",
    "completed_at", "memberships.project.gid", "memberships.section.name", "custom_fields.name",
    "custom_fields.resource_subtype", "custom_fields.format", "custom_fields.custom_label",
    "custom_fields.description", "custom_fields.number_value", "custom_fields.text_value",
    "custom_fields.enum_value.name", "dependencies", "parent", "modified_at",
    "permalink_url", "projects", "num_subtasks",
))
"""`html_notes` because a link with a label keeps its URL only there (`notes` shows the
label); project notes because a project's description links it to a deal."""
CLOCK_SKEW = timedelta(seconds=60)
"""Subtracted from the signpost: our clock and Asana's may disagree by a little."""
GONE = '{"gone": true}'
"""Cursor of a partition whose project answered 404: it is not checked again."""


@dataclass(frozen=True)
class TaskCursor:
    """A project partition's cursor: the events token and the `modified_since` value,
    stored together so one batch commit advances both or neither."""

    sync: str
    modified_since: str

    def dumps(self) -> str:
        return json.dumps({"sync": self.sync, "modified_since": self.modified_since},
                          sort_keys=True)

    @classmethod
    def loads(cls, text: str | None) -> TaskCursor | None:
        """None (-> full re-list) for a missing or unreadable cursor."""
        try:
            value = json.loads(text or "")
            return cls(str(value["sync"]), str(value["modified_since"]))
        except (ValueError, TypeError, KeyError):
            return None


def asana_time(value: datetime) -> str:
    """UTC with milliseconds and `Z`, the form Asana itself answers."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _member_set(cursor: str | None) -> set[str]:
    """The `users` cursor: the member gids of the last listing (a memory of who was a
    member, not a position, so `full` uses it too: the listing is always complete)."""
    try:
        value = json.loads(cursor or "[]")
    except ValueError:
        return set()
    return {str(gid) for gid in value} if isinstance(value, list) else set()


class _People:
    """Assignees that are not workspace members, looked up once per `tasks` pull.

    Asana has no "deactivated" flag: a removed user simply leaves the workspace
    listing while tasks still name their gid. `GET /users/{gid}` tells us their
    email and that the workspace is no longer among theirs -> `active=False`.
    """

    def __init__(self, connector: AsanaConnector) -> None:
        self.connector = connector
        self.members: set[str] | None = None
        self.checked: set[str] = set()

    def outsiders(self, gids: Iterable[str]) -> list[Identity]:
        found = []
        for gid in gids:
            if gid in self.checked:
                continue
            self.checked.add(gid)
            if self.members is None:
                self.members = self._members()
            if gid not in self.members:
                identity = self.connector.outsider(gid)
                if identity is not None:
                    found.append(identity)
        return found


    def _members(self) -> set[str]:
        """A 404 here means the workspace itself is gone, not this project: stop."""
        try:
            return self.connector.member_gids()
        except NotFound:
            raise SourceStopped(f"asana workspace {self.connector.workspace} not found",
                                action="check the configured workspace gid") from None


class AsanaConnector:
    """One Asana workspace as the source `source`; see the module docstring."""

    def __init__(self, source: str, base_url: str, token: str, workspace: str,
                 projects: Sequence[str] = (), estimate_field: str | None = None,
                 timeout_seconds: float = 30.0, policy: CallPolicy | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.source = source
        self.workspace = workspace
        self.configured_projects = list(projects)
        self.estimate_field = estimate_field
        self.policy = policy or CallPolicy(timeout_seconds=timeout_seconds)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.scrub = Scrubber.of([token])
        self.client = AsanaClient(source=source, base_url=base_url, token=token,
                                  timeout_seconds=timeout_seconds, policy=self.policy,
                                  scrubber=self.scrub)
        self._counted = self.policy.calls

    def streams(self) -> list[str]:
        return ["users", "projects", "tasks"]

    def pull(self, stream: str, cursors: Mapping[str, str | None], full: bool
             ) -> Iterator[Batch]:
        if stream == "users":
            return self._users(cursors.get("users"))
        if stream == "projects":
            return self._projects()
        if stream == "tasks":
            return self._tasks(cursors, full)
        raise ValueError(f"unknown Asana stream {stream!r}; streams: {self.streams()}")

    def _calls(self) -> int:
        """API calls (attempts included) made since the previous batch."""
        calls, self._counted = self.policy.calls - self._counted, self.policy.calls
        return calls

    def _ctx(self, **kwargs: Any) -> MapContext:
        return MapContext(self.source, self.estimate_field, **kwargs)

    # -- users ----------------------------------------------------------------------

    def _users(self, prior: str | None) -> Iterator[Batch]:
        """Members, page by page; the last batch stores the member gids as the cursor and
        reports those who left since (`active=False`), as Asana lists only members."""
        ctx = self._ctx()
        members: list[str] = []
        for page in self.client.users(self.workspace, USER_FIELDS):
            batch = Batch("users", cursor=prior)
            for raw in page:
                try:
                    batch.identities.append(map_identity(raw, ctx))
                except RecordInvalid as exc:
                    batch.quarantined.append(quarantine(raw, text_id(raw, "gid"), exc,
                                                        self.scrub))
            members += [i.external_id for i in batch.identities]
            batch.api_calls = self._calls()
            yield batch
        left = sorted(_member_set(prior) - set(members))
        gone = [i for i in (self.outsider(gid) for gid in left) if i is not None]
        yield Batch("users", identities=gone, cursor=json.dumps(sorted(members)),
                    api_calls=self._calls())

    def member_gids(self) -> set[str]:
        return {gid for page in self.client.users(self.workspace, "name")
                for raw in page if (gid := text_id(raw, "gid"))}

    def outsider(self, gid: str) -> Identity | None:
        """A user absent from the workspace listing (left it, or only named by a task):
        active only if the workspace is among theirs again; None if Asana no longer
        knows the gid at all (nothing to say about them)."""
        try:
            raw = self.client.user(gid, OUTSIDER_FIELDS)
            workspaces = [w.get("gid") for w in raw.get("workspaces") or []
                          if isinstance(w, dict)]
            return map_identity(raw, self._ctx(), active=self.workspace in workspaces)
        except (NotFound, RecordInvalid):
            return None

    # -- projects -------------------------------------------------------------------

    def _projects(self) -> Iterator[Batch]:
        ctx = self._ctx()
        if self.configured_projects:
            yield self._configured_projects(ctx)
            return
        listing = Listing(Scope("project"))
        for page in self.client.projects(self.workspace, PROJECT_FIELDS):
            batch = Batch("projects")
            for raw in page:
                try:
                    batch.records.append(map_project(raw, ctx))
                except RecordInvalid as exc:
                    batch.quarantined.append(quarantine(raw, text_id(raw, "gid"), exc,
                                                        self.scrub))
            batch.api_calls = self._calls()
            yield listing.add(batch)
        yield listing.add(Batch("projects", api_calls=self._calls()), last=True)

    def _configured_projects(self, ctx: MapContext) -> Batch:
        """Configured gids are fetched one by one; a 404 is a deleted project."""
        batch = Batch("projects")
        for gid in self.configured_projects:
            try:
                batch.records.append(map_project(self.client.project(gid, PROJECT_FIELDS),
                                                 ctx))
            except NotFound:
                batch.tombstones.append(("project", gid))
            except RecordInvalid as exc:
                batch.quarantined.append(quarantine({"gid": gid}, gid, exc, self.scrub))
        batch.api_calls = self._calls()
        return batch

    def _project_gids(self) -> list[str]:
        if self.configured_projects:
            return list(self.configured_projects)
        return [gid for page in self.client.projects(self.workspace, "name")
                for raw in page if (gid := text_id(raw, "gid"))]

    # -- tasks ----------------------------------------------------------------------

    def _tasks(self, cursors: Mapping[str, str | None], full: bool) -> Iterator[Batch]:
        projects = self._project_gids()
        synced = frozenset(projects)
        people = _People(self)
        for gid in projects:
            key = f"tasks:{gid}"
            prior = cursors.get(key)
            stored = None if full else TaskCursor.loads(prior)
            yield from self._project_tasks(self._ctx(project=gid, synced_projects=synced),
                                           key, prior, stored, people)
        for key, prior in cursors.items():
            gid = key.removeprefix("tasks:")
            if key.startswith("tasks:") and gid not in synced and prior != GONE:
                yield from self._vanished(gid, key, prior)

    def _project_tasks(self, ctx: MapContext, key: str, prior: str | None,
                       stored: TaskCursor | None, people: _People) -> Iterator[Batch]:
        project = str(ctx.project)
        started = self.clock() - CLOCK_SKEW
        try:
            since: str | None = None
            if stored is None:
                token = self.client.fresh_sync_token(project)
            else:
                try:
                    answer = self.client.events(project, stored.sync)
                except SyncTokenExpired as expired:
                    token = expired.fresh_token
                else:
                    token, since = answer.sync, stored.modified_since
                    yield from self._deletions(key, prior, answer.events)
            done = TaskCursor(token, asana_time(started)).dumps()
            yield from self._listing(ctx, key, prior, done, since, people)
        except NotFound:
            yield self._gone(project, key)

    def _deletions(self, key: str, prior: str | None,
                   events: list[dict[str, Any]]) -> Iterator[Batch]:
        """Tombstones first (in event order: an `undeleted` cancels a `deleted`), each
        deleted task's subtasks through an empty complete `parent_external_id` scope."""
        deleted: dict[str, None] = {}
        for event in events:
            resource = event.get("resource") if isinstance(event.get("resource"), dict) else {}
            gid = resource.get("gid")
            if event.get("type") != "task" or not isinstance(gid, str):
                continue
            if event.get("action") == "deleted":
                deleted[gid] = None
            elif event.get("action") == "undeleted":
                deleted.pop(gid, None)
        if not deleted:
            return
        yield Batch(key, tombstones=[("task", gid) for gid in deleted], cursor=prior,
                    api_calls=self._calls())
        for gid in deleted:
            yield Batch(key, cursor=prior, complete=Scope("task", (("parent_external_id", gid),)))

    def _listing(self, ctx: MapContext, key: str, prior: str | None, done: str,
                 since: str | None, people: _People) -> Iterator[Batch]:
        """One batch per page (with subtasks), carrying the old cursor; the new one only
        in the last batch, once every page is out."""
        scope = Scope("task", (("project_external_id", str(ctx.project)),))
        listing = Listing(scope if since is None else None)
        for page in self.client.tasks(str(ctx.project), TASK_FIELDS, since):
            batch = Batch(key, cursor=prior)
            self._add_tasks(batch, page, ctx, set())
            batch.identities = people.outsiders(
                gid for gids in batch.assignees.values() for gid in gids)
            batch.api_calls = self._calls()
            yield listing.add(batch)
        yield listing.add(Batch(key, cursor=done, api_calls=self._calls()), last=True)

    def _add_tasks(self, batch: Batch, page: list[dict[str, Any]], ctx: MapContext,
                   seen: set[str]) -> None:
        """Map a page into `batch`, descending into subtasks; `seen` keeps one row per
        gid in a batch (a subtask may also sit in the project itself)."""
        for raw in page:
            try:
                mapped = map_task(raw, ctx)
            except RecordInvalid as exc:
                batch.quarantined.append(quarantine(raw, text_id(raw, "gid"), exc, self.scrub))
                continue
            gid = mapped.task.external_id
            if gid in seen:
                continue
            seen.add(gid)
            batch.records.append(mapped.task)
            if mapped.assignees is not None:
                batch.assignees[gid] = mapped.assignees
            if mapped.dependencies is not None:
                batch.dependencies[gid] = mapped.dependencies
            if raw.get("num_subtasks", 1):
                self._add_subtasks(batch, gid, ctx, seen)

    def _add_subtasks(self, batch: Batch, parent: str, ctx: MapContext,
                      seen: set[str]) -> None:
        try:
            for page in self.client.subtasks(parent, TASK_FIELDS):
                self._add_tasks(batch, page, replace(ctx, parent=parent), seen)
        except NotFound:
            return  # the parent was deleted mid-pass; its event says so next time

    def _gone(self, project: str, key: str) -> Batch:
        """The project answers 404: it was deleted, and Asana deletes its tasks with it,
        so its (empty) listing is complete."""
        return Batch(key, tombstones=[("project", project)], cursor=GONE,
                     complete=Scope("task", (("project_external_id", project),)),
                     api_calls=self._calls())

    def _vanished(self, project: str, key: str, prior: str | None) -> Iterator[Batch]:
        """A partition synced before whose project is no longer listed: deleted (404), or
        merely out of scope now (left alone)."""
        try:
            self.client.project(project, "name")
        except NotFound:
            yield self._gone(project, key)
