"""What a rule kind reports: identity kept apart from the words around it.

A finding's identity is its subjects' keys (plus an optional period such as
an ISO week); its title, summary and evidence are annotations that may be
reworded, re-ordered or enriched without changing which alert it is. The
fingerprint hashes the rule id with the sorted identity, so reordering
rules.yaml, renaming a title or a record changing its deep link keeps the
same alert, its acks and its history (as Alertmanager does with labels
versus annotations).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from model import Severity

FINGERPRINT_SCHEME = "v1"
RECORD_TYPES = frozenset({"task", "event", "deal", "contact", "account", "project"})


@dataclass(frozen=True, order=True)
class Subject:
    """Who or what an alert is about: `{type, source, external_id, email}`.

    A person is keyed by email (one human across tools); a record by its
    source and external id. `email` on a record is a convenience for
    filtering by person and is not part of the key.
    """

    type: str
    source: str | None = None
    external_id: str | None = None
    email: str | None = None

    @property
    def key(self) -> str:
        if self.type == "person":
            return f"person:{self.email}"
        if self.type == "source":
            return f"source:{self.source}"
        return f"{self.type}:{self.source}:{self.external_id}"

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "source": self.source, "external_id": self.external_id,
                "email": self.email}


@dataclass(frozen=True)
class Evidence:
    """One fact a coordinator can check, with a deep link into the tool that holds it."""

    fact: str
    url: str | None = None
    subject: Subject | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"fact": self.fact, "url": self.url}
        if self.subject is not None:
            data.update(self.subject.to_dict())
        return data


@dataclass(frozen=True)
class Finding:
    """One problem found by a kind, before any rule id, severity or lifecycle."""

    subjects: tuple[Subject, ...]
    title: str
    summary: str = ""
    evidence: tuple[Evidence, ...] = ()
    period: str | None = None
    extra_sources: frozenset[str] = field(default_factory=frozenset)

    @property
    def identity(self) -> tuple[str, ...]:
        keys = sorted({subject.key for subject in self.subjects})
        return (*keys, f"period:{self.period}") if self.period else tuple(keys)

    @property
    def sources(self) -> frozenset[str]:
        """Sources whose data this finding rests on; a stale one freezes its alert."""
        from_records = {s.source for s in self.subjects if s.type in RECORD_TYPES and s.source}
        return frozenset(from_records) | self.extra_sources

    def fingerprint(self, rule_id: str) -> str:
        text = "\n".join((FINGERPRINT_SCHEME, rule_id, *self.identity))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Firing:
    """A finding produced by one configured rule: what the lifecycle turns into an alert."""

    rule: str
    kind: str
    severity: Severity
    finding: Finding

    @cached_property
    def fingerprint(self) -> str:
        return self.finding.fingerprint(self.rule)

    @property
    def emails(self) -> frozenset[str]:
        return frozenset(s.email for s in self.finding.subjects if s.email)
