"""Work inside an archived container is archived: the effective state of tasks.

The tools keep a task's own flags untouched when its container goes: Asana
leaves the tasks of an archived project open, Google deletes a task list's
tasks with it. Rules must not chase that work (overdue, overload, kickoff
evidence…), and must stop the moment only the container changes, so the
verdict is taken from the containers' rows each time the view is built, never
stored on the task.

A task's containers are the projects it lives in (several for a multi-homed
Asana task), else its parent's (an Asana subtask lists none of its own), else
its home (`project_external_id`: an Asana project, a Trello board, a Google
Tasks list). A container baton has no row for proves nothing either way.
"""

from __future__ import annotations

from collections.abc import Iterable

from model import Project, RecordState, Task

LIVE_CONTAINER = frozenset({RecordState.active, RecordState.completed})
MAX_NESTING = 32
"""Parent chains deeper than this (or looping) stop at the task's own home."""

TaskKey = tuple[str, str]


def contain(tasks: list[Task], by_key: dict[TaskKey, Task], projects: Iterable[Project]
            ) -> tuple[list[Task], dict[TaskKey, Project]]:
    """The tasks still in the view, and the archived container of each archived one.

    A task none of whose known containers is live is `archived` if one of them is
    archived, and left out (as gone, also from `by_key`, the tasks by key) if all
    of them are deleted. Its `state` is set in place: the view owns its rows.
    """
    containers = {(p.source, p.external_id): p for p in projects}
    dead = {key for key, p in containers.items() if p.state not in LIVE_CONTAINER}
    if not dead:
        return tasks, {}
    kept: list[Task] = []
    gone: list[TaskKey] = []
    archived_in: dict[TaskKey, Project] = {}
    for task in tasks:
        if not _may_be_dead(task, dead):
            kept.append(task)
            continue
        known = [containers[(task.source, gid)] for gid in _container_ids(task, by_key)
                 if (task.source, gid) in containers]
        if not known or any(p.state in LIVE_CONTAINER for p in known):
            kept.append(task)
            continue
        archived = [p for p in known if p.state is RecordState.archived]
        key = (task.source, task.external_id)
        if archived:
            task.state = RecordState.archived
            archived_in[key] = archived[0]
            kept.append(task)
        else:
            gone.append(key)
    for key in gone:
        del by_key[key]
    return kept, archived_in


def _may_be_dead(task: Task, dead: set[TaskKey]) -> bool:
    """Cheap test first: only a task whose home or one of its projects is dead can be.
    (A subtask's home is one of its parent's projects: the listing it came from.)"""
    source = task.source
    return (source, task.project_external_id or "") in dead or any(
        (source, gid) in dead for gid in task.project_external_ids)


def _container_ids(task: Task, by_key: dict[TaskKey, Task]) -> list[str]:
    current = task
    for _ in range(MAX_NESTING):
        if current.project_external_ids:
            return list(current.project_external_ids)
        parent = by_key.get((current.source, current.parent_external_id or ""))
        if parent is None:
            return _home(current)
        current = parent
    return _home(task)


def _home(task: Task) -> list[str]:
    return [task.project_external_id] if task.project_external_id else []
