"""A deal was won days ago and no delivery work exists for it anywhere.

**Fires when** a Salesforce opportunity is Closed Won at least `after_days`
ago (and not more than `max_age_days`), nothing in a delivery source (any
source holding tasks but the deal's own, unless `delivery_sources` is set)
is work for it, and the CRM holds no kickoff activity on it: "Acme Summer
Gala" won 2026-03-02, nothing in Asana, Trello or Google Tasks mentions it or
Acme by 2026-03-06. The evidence lists the sources, names and ids searched.

**Does not fire when** the deal is open or lost, it was won less than
`after_days` ago (sales hands over in a day or two), or a live task or
project in a delivery source is linked to the deal, carries the deal's or its
account's id (in a column, or as a 15- or 18-character Salesforce id in its
text, as a pasted link has it), or names the deal or its account in its
title, description or project name, as whole words after folding case,
accents, punctuation and legal forms: "Kickoff: ACME summer gala" and
"Zürich Événements kick-off" name "Acme Summer Gala" and "Zurich Evenements
GmbH", "Acmetrics" names nobody. A Salesforce Task or Event on the deal
itself (its WhatId) whose subject says kickoff / kick-off / kick off, done or
scheduled, counts too (`crm_kickoff_activity`). Other CRM activity on the
deal (a thank-you call) is sales follow-up, and archived work (an archived
project, a closed board or card) is past work: last year's archived "Acme
Gala" project must not hide this year's missing kickoff.

**Why it matters:** the sale lives in Salesforce and the delivery in Asana
or Trello; a handoff nobody started is the most expensive miss an agency
makes, and neither tool can see it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from model import Deal, Event, RecordState, SyncedRecord, Task
from rules.findings import Evidence, Finding
from rules.mentions import PhraseIndex, SalesforceIdIndex, name_words, words
from rules.records import is_done_task, name_of, record_evidence, record_subject
from rules.timeutil import local_date
from rules.view import ModelView, RecordKey

KICKOFF = re.compile(r"\bkick[\s_-]*offs?\b", re.IGNORECASE)
LIVE_WORK = frozenset({RecordState.active, RecordState.completed})


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    after_days: int = Field(3, ge=0, description="days after closing before it is a miss")
    max_age_days: int = Field(60, ge=1, description="deals won longer ago are history")
    delivery_sources: list[str] = Field(default_factory=list, description=(
        "sources holding delivery work (empty: every source except the deal's own)"))
    match_account: bool = Field(True, description="work for the deal's account (its id "
                                "or its name) counts")
    match_deal_name: bool = Field(True, description="a task or project naming the deal counts")
    min_name_length: int = Field(4, ge=1, description="names shorter than this (in "
                                 "characters, without a legal form such as Inc.) are never "
                                 "matched as words")
    crm_kickoff_activity: bool = Field(True, description=(
        "a done or scheduled Salesforce Task or Event on the deal whose subject says "
        "kickoff counts"))


def evaluate(view: ModelView, params: Params, now: datetime) -> Iterator[Finding]:
    due = list(_won_in_window(view, params, now))
    if not due:
        return
    index = KickoffIndex(view, params, [deal for deal, _ in due])
    for deal, age_days in due:
        if index.lead(deal) is None:
            yield _finding(view, index, deal, age_days)


def quiet_reasons(view: ModelView, params: Params, now: datetime
                  ) -> Callable[[Sequence[Mapping[str, Any]]], str | None]:
    """Why a no-kickoff alert stopped firing, for its resolution note: the kickoff
    found (the record and how it names the deal), or the deal leaving the window."""
    due = {_key("deal", deal): deal for deal, _ in _won_in_window(view, params, now)}
    index = KickoffIndex(view, params, due.values()) if due else None

    def reason(subjects: Sequence[Mapping[str, Any]]) -> str | None:
        deal = next((view.deals_by_key.get((s.get("source"), s.get("external_id")))
                     for s in subjects if s.get("type") == "deal"), None)
        if deal is None:
            return None
        if not (deal.is_closed and deal.is_won):
            return f"deal {name_of(deal)} is no longer closed won ({deal.stage or 'open'})"
        in_window = _key("deal", deal) in due
        lead = index.lead(deal) if index is not None and in_window else None
        if lead is not None:
            return f"kickoff found: {lead.describe(view)}"
        return None if in_window else (
            f"deal {name_of(deal)} closed on {deal.close_on}, outside the "
            f"{params.after_days}-{params.max_age_days} day window")
    return reason


def _won_in_window(view: ModelView, params: Params, now: datetime
                   ) -> Iterator[tuple[Deal, int]]:
    today = local_date(now, view.default_tz)
    for deal in view.deals:
        if not (deal.is_closed and deal.is_won) or deal.close_on is None:
            continue
        age_days = (today - deal.close_on).days
        if params.after_days <= age_days <= params.max_age_days:
            yield deal, age_days


@dataclass(frozen=True, order=True)
class Lead:
    """One piece of evidence that a deal was kicked off: which record, and how."""

    kind: str
    source: str
    external_id: str
    how: str

    def describe(self, view: ModelView) -> str:
        record = view.record(self.kind, self.source, self.external_id)
        name = name_of(record) if record is not None else self.external_id
        return f"{self.kind} {name} in {self.source} {self.how}"


class KickoffIndex:
    """Everything that could kick off the given deals, gathered in one pass over the work.

    Targets are the deals and their accounts, keyed like links. Each live task and
    project is looked at once: its links, its id columns, and the words of its
    title, description or name against the targets' names and ids. For every
    target and source the smallest record key is kept, so the verdict and its
    wording never depend on row order."""

    def __init__(self, view: ModelView, params: Params, deals: Iterable[Deal]) -> None:
        self.view = view
        self.params = params
        self.deals = {_key("deal", deal): deal for deal in deals}
        self.task_sources = frozenset(t.source for t in view.tasks)
        self.names: PhraseIndex[tuple[RecordKey, str]] = PhraseIndex()
        self.ids: SalesforceIdIndex[tuple[RecordKey, str]] = SalesforceIdIndex()
        self.searched_names: dict[RecordKey, str] = {}
        self.targets_seen = {t for deal in self.deals.values() for t in self.targets(deal)}
        for deal in self.deals.values():
            self._add_targets(deal)
        self.leads: dict[tuple[RecordKey, str], Lead] = {}
        self.counts: Counter[str] = Counter()
        wanted = frozenset().union(*(self.sources_for(d) for d in self.deals.values()))
        crm = frozenset(deal.source for deal in self.deals.values())
        crm_tasks: list[Task] = []
        for task in view.tasks:
            source = task.source
            if source in wanted and task.state in LIVE_WORK:
                self._scan("task", source, task.external_id,
                           (task.deal_external_id, task.account_external_id),
                           (task.title, task.description))
            if source in crm:
                crm_tasks.append(task)
        for project in view.projects.values():
            if project.source in wanted and project.state in LIVE_WORK:
                self._scan("project", project.source, project.external_id,
                           (project.account_external_id,), (project.name,))
        self.activities = (self._kickoff_activities(crm_tasks, crm)
                           if params.crm_kickoff_activity else {})

    def _add_targets(self, deal: Deal) -> None:
        deal_key = _key("deal", deal)
        self.ids.add(deal.external_id, (deal_key, "the deal's id"))
        if self.params.match_deal_name:
            self._add_name(deal_key, deal.name, "the deal")
        account_id = deal.account_external_id
        if not (self.params.match_account and account_id):
            return
        account_key = ("account", deal.source, account_id)
        self.ids.add(account_id, (account_key, "its account's id"))
        account = self.view.accounts.get((deal.source, account_id))
        if account is not None:
            self._add_name(account_key, account.name, "its account")

    def _add_name(self, target: RecordKey, name: str, what: str) -> None:
        phrase = name_words(name)
        if len(" ".join(phrase)) < self.params.min_name_length:
            return
        self.names.add(phrase, (target, f'names {what} ("{" ".join(phrase)}")'))
        self.searched_names[target] = " ".join(phrase)

    def _scan(self, kind: str, source: str, external_id: str, ids: tuple[str | None, ...],
              texts: tuple[str | None, ...]) -> None:
        """One record: its links, its id columns, and the words of its texts.
        Attributes arrive read once: on 400k tasks every attribute read counts."""
        self.counts[source] += 1
        found = [(other, "is linked to it") for other, _ in self.view.linked(
            kind, source, external_id) if other in self.targets_seen]
        for value in ids:
            if value:
                found += [(key, f"carries {what}") for key, what in self.ids.of_value(value)]
        for text in texts:
            if text:
                text_words = words(text)
                found += self.names.find(text_words)
                found += [(key, f"mentions {what}") for key, what in
                          self.ids.find(text_words, text)]
        for target, how in found:
            lead = Lead(kind, source, external_id, how)
            slot = (target, source)
            if slot not in self.leads or lead < self.leads[slot]:
                self.leads[slot] = lead

    def _kickoff_activities(self, tasks: list[Task], crm: frozenset[str]
                            ) -> dict[RecordKey, Lead]:
        """Done or scheduled CRM Tasks and live Events on a deal whose subject says kickoff."""
        found: dict[RecordKey, Lead] = {}
        records: list[tuple[str, Task | Event]] = [
            *(("task", t) for t in tasks
              if t.deal_external_id and (is_done_task(t) or t.due_on or t.due_at)
              and t.state is not RecordState.archived),
            *(("event", e) for e in self.view.events if e.source in crm and e.deal_external_id
              and e.state is RecordState.active and e.status != "cancelled")]
        for kind, record in records:
            deal_key = ("deal", record.source, record.deal_external_id or "")
            if deal_key in self.deals and KICKOFF.search(record.title):
                state = "done" if kind == "task" and is_done_task(record) else "scheduled"
                lead = Lead(kind, record.source, record.external_id,
                            f"is a kickoff on the deal ({state})")
                if deal_key not in found or lead < found[deal_key]:
                    found[deal_key] = lead
        return found

    def sources_for(self, deal: Deal) -> frozenset[str]:
        """Where delivery work for `deal` could be; the finding rests on all of them.

        Without `delivery_sources`, every source holding tasks but the deal's own. A
        source that never delivered a task is left out: it cannot hold the kickoff as
        far as baton can know, `stale_source` already flags it, and one broken token
        must not hold back every no-kickoff alert."""
        if self.params.delivery_sources:
            return frozenset(self.params.delivery_sources)
        return self.task_sources - {deal.source}

    def targets(self, deal: Deal) -> list[RecordKey]:
        keys = [_key("deal", deal)]
        if self.params.match_account and deal.account_external_id:
            keys.append(("account", deal.source, deal.account_external_id))
        return keys

    def lead(self, deal: Deal) -> Lead | None:
        """The first evidence of a kickoff: the deal's own work, its account's, its CRM kickoff."""
        for target in self.targets(deal):
            for source in sorted(self.sources_for(deal)):
                if (target, source) in self.leads:
                    return self.leads[(target, source)]
        return self.activities.get(_key("deal", deal))

    def searched(self, deal: Deal) -> list[str]:
        """What was looked for, and where, when nothing was found."""
        sources = sorted(self.sources_for(deal))
        looked_for = ["a link to the deal", f"its id {deal.external_id}"]
        if self.params.match_account and deal.account_external_id:
            looked_for.append(f"its account's id {deal.account_external_id}")
        phrases = [f'"{self.searched_names[t]}"' for t in self.targets(deal)
                   if t in self.searched_names]
        if phrases:
            looked_for.append(f"the words {' or '.join(phrases)}")
        scanned = ", ".join(f"{self.counts[s]} in {s}" for s in sources)
        facts = [f"searched live tasks and projects ({scanned}) for {', '.join(looked_for)}"
                 ": none found" if sources else "no delivery source holds any task"]
        if self.params.crm_kickoff_activity:
            facts.append(f"no done or scheduled kickoff Task or Event on the deal in "
                         f"{deal.source}")
        return facts


def _key(kind: str, record: SyncedRecord) -> RecordKey:
    return (kind, record.source, record.external_id)


def _finding(view: ModelView, index: KickoffIndex, deal: Deal, age_days: int) -> Finding:
    owner = view.person_for_identity(deal.source, deal.owner_external_id)
    email = owner.email if owner else None
    account = view.accounts.get((deal.source, deal.account_external_id or ""))
    evidence = [record_evidence("deal", deal, f"{name_of(deal)} closed won on {deal.close_on}"
                                f" ({deal.stage or 'Closed Won'})", email)]
    if account is not None:
        evidence.append(record_evidence("account", account, f"account {name_of(account)}"))
    evidence += [Evidence(fact) for fact in index.searched(deal)]
    searched = index.sources_for(deal)
    return Finding(
        subjects=(record_subject("deal", deal, email),),
        title=f"Won deal {name_of(deal)} has no kickoff",
        summary=f"Closed won {age_days} days ago; nothing in "
                f"{', '.join(sorted(searched)) or 'any delivery source'} is linked to it, "
                f"carries its id or names it or its account. "
                f"Owner: {owner.label if owner else 'unknown'}.",
        evidence=tuple(evidence), extra_sources=searched)
