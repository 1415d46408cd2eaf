"""The admin rule editor: validate → preview → save as a new version; history, diff, restore.

Validation is `rules.config.parse_rules`, so the editor shows exactly the
`file:line:col` problems `baton rules check` prints. Preview runs the same
plan as `baton rules preview` and writes nothing. Saving stores a new
`RuleConfigVersion` with the admin as author and also writes the rules file
(when one is configured): `baton sync` re-reads that file, and it must find
the admin's version there, not bring the old text back.

A save that would resolve or retire alerts the live rules would keep is
shown as a preview first and needs a second, confirmed POST. The
confirmation is a digest of exactly those steps, so if the text, the live
rules or the data change in between, the admin is asked again.
"""

from __future__ import annotations

import difflib
import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, select

from feed.settings import FeedSettings
from model import RuleConfigVersion
from rules import evaluate
from rules.config import RulesConfig, live_version, parse_rules, store_version
from rules.configfile import ConfigError, Problem
from rules.lifecycle import Step


def validate(text: str, settings: FeedSettings) -> tuple[RulesConfig | None, list[Problem]]:
    try:
        config = parse_rules(text, settings.rules_path_shown,
                             known_sources=list(settings.source_names) or None,
                             known_people=list(settings.known_people) or None)
    except ConfigError as exc:
        return None, list(exc.problems)
    return config, []


@dataclass(frozen=True)
class PreviewLine:
    severity: str
    rule: str
    title: str
    where: str
    note: str
    also_live: bool
    kind: str
    fingerprint: str

    @property
    def needs_confirmation(self) -> bool:
        """Takes an alert out of view that the live rules would have kept."""
        return self.kind in evaluate.DESTRUCTIVE and not self.also_live


@dataclass(frozen=True)
class PreviewSection:
    heading: str
    lines: list[PreviewLine]


@dataclass(frozen=True)
class Confirmation:
    """What a save would take out of view, and the digest a confirming POST must echo."""

    resolve: int
    retire: int
    digest: str


def confirmation(sections: list[PreviewSection]) -> Confirmation | None:
    """None when the save takes nothing out of view, so it needs no second step."""
    lines = sorted((line.kind, line.fingerprint) for section in sections
                   for line in section.lines if line.needs_confirmation)
    if not lines:
        return None
    digest = hashlib.sha256(repr(lines).encode("utf-8")).hexdigest()[:32]
    kinds = [kind for kind, _ in lines]
    return Confirmation(kinds.count("resolve"), kinds.count("retire"), digest)


def preview(session: Session, config: RulesConfig, settings: FeedSettings, now: datetime
            ) -> list[PreviewSection]:
    """What saving would do; steps the live rules would take anyway are marked."""
    outcome = evaluate.preview(session, config, settings.rules_context, now)
    live = live_version(session)
    baseline: set[tuple[str, str]] = set()
    if live is not None:
        live_config, _ = validate(live.text, settings)
        if live_config is not None:
            steps = evaluate.preview(session, live_config, settings.rules_context, now).steps
            baseline = {(s.action, s.fingerprint) for s in steps}
    sections = []
    for heading, kinds in evaluate.PREVIEW_SECTIONS:
        lines = [_line(step, (step.action, step.fingerprint) in baseline)
                 for step in outcome.of(*kinds)]
        sections.append(PreviewSection(heading, lines))
    return sections


def _line(step: Step, also_live: bool) -> PreviewLine:
    if step.firing is not None:
        rule, title = step.firing.rule, step.firing.finding.title
        severity = step.firing.severity.value
    else:
        assert step.alert is not None
        rule, severity, title = step.alert.rule, step.alert.severity.value, step.alert.title
    alert, note = step.alert, step.note
    where = f"#{alert.id} {alert.status.value}" if alert is not None else "new"
    if step.restore is not None:
        where = f"{where} → {step.restore.value}"
        if step.action != "keep":
            note = f"then {step.action}" + (f": {note}" if note else "")
    return PreviewLine(severity, rule, title, where, note,
                       also_live and step.action != "keep", step.kind, step.fingerprint)


def save(session: Session, text: str, author: str, settings: FeedSettings, now: datetime,
         note: str | None = None) -> tuple[RuleConfigVersion, str]:
    """Store a validated text as the live rules, write the file, evaluate; returns the
    version and the evaluation summary. Raises `ConfigError` if `text` is invalid."""
    config, problems = validate(text, settings)
    if config is None:
        raise ConfigError(problems)
    version = store_version(session, text, author, now, note)
    session.commit()
    if settings.rules_file is not None:
        write_atomically(settings.rules_file, text)
    outcome = evaluate.run(session, config, settings.rules_context, now)
    return version, outcome.summary()


def write_atomically(path: Path, text: str) -> None:
    """Replace the file in one rename, so a crash never leaves half a rules file."""
    temporary = path.with_name(f".{path.name}.saving")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def versions(session: Session) -> list[RuleConfigVersion]:
    return list(session.exec(select(RuleConfigVersion)
                             .order_by(col(RuleConfigVersion.id).desc())).all())


@dataclass(frozen=True)
class DiffLine:
    kind: str
    text: str


def diff(session: Session, version: RuleConfigVersion) -> list[DiffLine]:
    """This version against the one before it (unified diff, as `git diff` shows)."""
    before = session.exec(select(RuleConfigVersion)
                          .where(col(RuleConfigVersion.id) < version.id)
                          .order_by(col(RuleConfigVersion.id).desc()).limit(1)).first()
    old = before.text if before is not None else ""
    label = f"version {before.id}" if before is not None else "nothing"
    lines = difflib.unified_diff(old.splitlines(), version.text.splitlines(),
                                 fromfile=label, tofile=f"version {version.id}", lineterm="")
    return [DiffLine(_kind(line), line) for line in lines]


def _kind(line: str) -> str:
    if line.startswith(("+++", "---")):
        return "file"
    if line.startswith("@@"):
        return "hunk"
    return {"+": "add", "-": "del"}.get(line[:1], "same")
