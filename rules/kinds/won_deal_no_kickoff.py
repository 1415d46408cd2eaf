"""A deal was won days ago and no delivery work exists for it anywhere.

**Fires when** a Salesforce opportunity is Closed Won at least `after_days`
ago (and not more than `max_age_days`) and no task in a delivery source
(Asana, Trello, Google Tasks; any source but the deal's own unless
`delivery_sources` is set) is linked to it, carries its id, belongs to its
account (directly or through its project), or names it: "Acme Summer Gala"
won 2026-03-02, nothing in Asana or Trello mentions it by 2026-03-06.

**Does not fire when** the deal is open or lost, it was won less than
`after_days` ago (sales hands over in a day or two), a card "Kickoff: Acme
Summer Gala" exists, a project of the Acme account exists, or the only
matching task is a Salesforce activity (that is sales follow-up, not
delivery).

**Why it matters:** the sale lives in Salesforce and the delivery in Asana
or Trello; a handoff nobody started is the most expensive miss an agency
makes, and neither tool can see it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from model import Deal
from rules.findings import Finding
from rules.records import name_of, record_evidence, record_subject
from rules.timeutil import local_date
from rules.view import ModelView


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    after_days: int = Field(3, ge=0, description="days after closing before it is a miss")
    max_age_days: int = Field(60, ge=1, description="deals won longer ago are history")
    delivery_sources: list[str] = Field(default_factory=list, description=(
        "sources holding delivery work (empty: every source except the deal's own)"))
    match_account: bool = Field(True, description="work for the deal's account counts")
    match_deal_name: bool = Field(True, description="a task or project naming the deal counts")
    min_name_length: int = Field(4, ge=1, description="shorter deal names are never "
                                 "matched by name (too many false matches)")


def evaluate(view: ModelView, params: Params, now: datetime) -> Iterator[Finding]:
    today = local_date(now, view.default_tz)
    index: _KickoffIndex | None = None
    for deal in view.deals:
        if not (deal.is_closed and deal.is_won) or deal.close_on is None:
            continue
        age_days = (today - deal.close_on).days
        if age_days < params.after_days or age_days > params.max_age_days:
            continue
        index = index or _KickoffIndex(view, params)
        searched = _delivery_sources(index, deal, params)
        if not any(index.kicks_off(source, deal, params) for source in searched):
            yield _finding(view, deal, age_days, searched)


def _delivery_sources(index: _KickoffIndex, deal: Deal, params: Params) -> frozenset[str]:
    """Where kickoff work could be; the finding rests on all of them being fresh.

    Without `delivery_sources`, that is every source holding tasks. A source that
    never delivered a task is left out: it cannot hold the kickoff as far as baton
    can know, `stale_source` already flags it, and one broken token must not hold
    back every no-kickoff alert."""
    if params.delivery_sources:
        return frozenset(params.delivery_sources)
    return index.sources - {deal.source}


class _KickoffIndex:
    """What every task could kick off, gathered once per evaluation and per source:
    the deals it or its project is linked to, the deal and account ids it carries, and
    its title and project name as one casefolded text. Checking a deal is then a few
    set lookups and one substring search in C, not a loop over every task."""

    def __init__(self, view: ModelView, params: Params) -> None:
        self.linked: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
        self.deal_ids: dict[str, set[str]] = defaultdict(set)
        self.accounts: dict[str, set[str]] = defaultdict(set)
        texts: dict[str, list[str]] = defaultdict(list)
        for task in view.tasks:
            project = view.projects.get((task.source, task.project_external_id or ""))
            related = [("task", task.source, task.external_id)]
            if project is not None:
                related.append(("project", project.source, project.external_id))
            self.linked[task.source].update(
                other for key in related for other, _ in view.linked(*key) if other[0] == "deal")
            if task.deal_external_id:
                self.deal_ids[task.source].add(task.deal_external_id)
            for account in (task.account_external_id,
                            project.account_external_id if project else None):
                if account:
                    self.accounts[task.source].add(account)
            texts[task.source] += [task.title, project.name if project else ""]
        self.sources = frozenset(texts)
        self.text = {source: "\n".join(parts).casefold() for source, parts in texts.items()}

    def kicks_off(self, source: str, deal: Deal, params: Params) -> bool:
        if ("deal", deal.source, deal.external_id) in self.linked.get(source, ()):
            return True
        if deal.external_id in self.deal_ids.get(source, ()):
            return True
        account = deal.account_external_id
        if params.match_account and account and account in self.accounts.get(source, ()):
            return True
        name = deal.name.strip().casefold()
        if not params.match_deal_name or len(name) < params.min_name_length or "\n" in name:
            return False
        return name in self.text.get(source, "")


def _finding(view: ModelView, deal: Deal, age_days: int, searched: frozenset[str]
             ) -> Finding:
    owner = view.person_for_identity(deal.source, deal.owner_external_id)
    email = owner.email if owner else None
    account = view.accounts.get((deal.source, deal.account_external_id or ""))
    evidence = [record_evidence("deal", deal, f"{name_of(deal)} closed won on {deal.close_on}"
                                f" ({deal.stage or 'Closed Won'})", email)]
    if account is not None:
        evidence.append(record_evidence("account", account, f"account {name_of(account)}"))
    return Finding(
        subjects=(record_subject("deal", deal, email),),
        title=f"Won deal {name_of(deal)} has no kickoff",
        summary=f"Closed won {age_days} days ago; no delivery task or project is linked to it, "
                f"its account, or names it. Owner: {owner.label if owner else 'unknown'}.",
        evidence=tuple(evidence), extra_sources=searched)
