"""Which custom field holds a task's effort, in which unit: decided from names alone.

Organisations name their effort fields every way ("Estimated hours", "Estimate (h)",
"Effort [days]", "Time estimate - minutes", "Est. hours", "Duration"), so nobody
should have to configure it. These pure functions look at what a tool says about a
custom field (its name, description, kind, and unit label) and at its value; the
Asana and Trello mappings feed them. A configured `estimate_field` still wins: then
only the field of that name counts, whatever it is called.

Decisions (tested in tests/connectors/test_connectors_effort.py):

- **A field is an effort field** when its name says estimate (estimate, estimated,
  est., estimation), effort (effort, workload, man-/person-days/hours), or time
  (hours, hrs, time, duration); the first two beat the third when a task has several.
  Only if the name says none of that is the description read the same way. A text
  field counts only when its name (or description) says estimate or effort.
- **Not an estimate**: time already spent ("Hours spent", "Actual hours", logged,
  tracked, worked, billed, elapsed, used), other measures ("Story points", size,
  complexity, cost, budget, rate, priority, score, progress, count), and times that are
  not effort ("Start time", "Lead time", "Cycle time", "Response time", "Time zone",
  "Timestamp", "Time slot", "End time", "Due time", dates, months).
- **Unit**: a unit in brackets in the name, else the first unit word of the name, else
  of the description, else the tool's unit label (Asana `custom_label`), else hours.
  Words: h/hr/hrs/hour(s) -> hours; min/mins/minute(s) -> minutes; d/day(s)/pd/md/
  man-days -> days; wk/week(s) -> weeks.
- **A day is one working day of `HOURS_PER_DAY` (8 h)**, a week `DAYS_PER_WEEK` (5)
  of them: connectors do not know whose task it is, so one documented length is used.
- **Asana's own time-tracking estimate** ("Estimated time") is a number field with
  `format: duration`; Asana keeps durations in minutes (as time budgets and
  `actual_time_minutes`), so such a field is in minutes whatever its name says.
- **Values**: a number field holds a number (Trello sends it as a string, "4");
  a text or choice field may hold "4", "2.5h", "2,5 h", "90 min", "1h 30m",
  "1.5 days", "1:30" or "PT1H30M"; a bare number takes the field's unit. Anything
  else ("2-3h", "TBD") is no estimate rather than a guess. Negative numbers are no
  estimate either.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from connectors.errors import RecordInvalid

HOURS_PER_DAY = 8.0
"""A day of effort is one working day; connectors do not know whose, so 8 h."""
DAYS_PER_WEEK = 5


class Unit(StrEnum):
    minutes = "minutes"
    hours = "hours"
    days = "days"
    weeks = "weeks"

    @property
    def in_hours(self) -> float:
        """How many hours one of this unit is."""
        return {Unit.minutes: 1 / 60, Unit.hours: 1.0, Unit.days: HOURS_PER_DAY,
                Unit.weeks: HOURS_PER_DAY * DAYS_PER_WEEK}[self]


class Kind(StrEnum):
    """How a tool stores the value: a number, a duration in minutes, or free text."""

    number = "number"
    duration = "duration"
    text = "text"


STRONG = frozenset({"estimate", "estimates", "estimated", "estimation", "est", "estd",
                    "effort", "efforts", "workload", "manhours", "mandays", "persondays",
                    "personhours"})
WEAK = frozenset({"hours", "hour", "hrs", "hr", "time", "duration"})
NOT_EFFORT = frozenset({
    "spent", "actual", "actuals", "logged", "tracked", "worked", "billed", "billable",
    "elapsed", "used", "points", "point", "pts", "sp", "storypoints", "size", "complexity",
    "cost", "costs", "budget", "price", "rate", "score", "priority", "progress", "count",
    "percent", "percentage", "start", "end", "due", "lead", "cycle", "response", "zone",
    "timezone", "timestamp", "stamp", "slot", "date", "deadline", "month", "months",
})
NAME_UNITS = {
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours", "std", "stunden"), Unit.hours),
    **dict.fromkeys(("min", "mins", "minute", "minutes", "minuten"), Unit.minutes),
    **dict.fromkeys(("d", "day", "days", "pd", "md", "mandays", "persondays", "tage"),
                    Unit.days),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), Unit.weeks),
}
VALUE_UNITS = {**NAME_UNITS, "m": Unit.minutes, "manhours": Unit.hours,
               "personhours": Unit.hours}
LABEL_UNITS = frozenset({Unit.hours, Unit.minutes})
"""Units a Trello label may carry ("8h", "90 min"); "3d" on a label is too often 3D."""
PAIRED = {("man", "days"): "mandays", ("man", "day"): "mandays",
          ("person", "days"): "persondays", ("person", "day"): "persondays",
          ("man", "hours"): "manhours", ("person", "hours"): "personhours",
          ("story", "points"): "storypoints", ("time", "zone"): "timezone"}
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
BRACKETED = re.compile(r"[(\[{]([^)\]}]*)[)\]}]")
AMOUNT = re.compile(r"(\d+(?:[.,]\d+)?)\s*([^\W\d_]*)\.?", re.UNICODE)
CLOCK = re.compile(r"(\d+):([0-5]\d)")
ISO_DURATION = re.compile(r"p(?:(\d+(?:\.\d+)?)d)?(?:t(?:(\d+(?:\.\d+)?)h)?"
                          r"(?:(\d+(?:\.\d+)?)m)?)?")


@dataclass(frozen=True)
class FieldFacts:
    """What a tool says about one custom field (not its value)."""

    name: str
    kind: Kind
    description: str = ""
    unit_label: str = ""


@dataclass(frozen=True)
class EffortField:
    """A field found to hold effort; `strength` 0 beats 1 when a task has both."""

    name: str
    kind: Kind
    unit: Unit
    strength: int

    def describe(self) -> str:
        """What `baton status` shows and `Task.estimate_from` keeps."""
        name = self.name if len(self.name) <= 400 else self.name[:399] + "…"
        return f'"{name}" ({self.unit})'

    def hours(self, value: Any) -> float | None:
        """The value in hours; None when empty or not an amount. A number field whose
        value is not a number is a malformed payload (the record is quarantined)."""
        if value is None or value == "":
            return None
        if self.kind is not Kind.text:
            number = _number(value)
            if number is None:
                raise RecordInvalid(f"custom field {self.name!r} is not a number")
            return number * self.unit.in_hours if number >= 0 else None
        return parse_amount(str(value), self.unit) if isinstance(value, str | int | float) \
            else None


@dataclass(frozen=True)
class Estimate:
    """A task's effort in hours (None: none given) and the field it came from (None: the
    task has no effort field at all)."""

    hours: float | None
    source: str | None


NO_ESTIMATE = Estimate(None, None)


def words(text: str) -> list[str]:
    """Lower-case words with "man-days" style pairs joined; digits and signs dropped."""
    found = [w.casefold() for w in WORD.findall(text)]
    joined: list[str] = []
    for word in found:
        if joined and (joined[-1], word) in PAIRED:
            joined[-1] = PAIRED[(joined[-1], word)]
        else:
            joined.append(word)
    return joined


def stated_unit(text: str) -> Unit | None:
    """A unit in brackets wins ("Hours (in days)" is days), else the first unit word."""
    for inside in BRACKETED.findall(text):
        unit = next((NAME_UNITS[w] for w in words(inside) if w in NAME_UNITS), None)
        if unit is not None:
            return unit
    return next((NAME_UNITS[w] for w in words(text) if w in NAME_UNITS), None)


def _strength(said: set[str]) -> int | None:
    """0 estimate/effort, 1 only time words, None not an effort field (or excluded)."""
    if said & NOT_EFFORT:
        return None
    if said & STRONG:
        return 0
    return 1 if said & WEAK else None


def effort_field(facts: FieldFacts, configured: str | None = None) -> EffortField | None:
    """The field as an effort field, or None. With `configured`, only that name counts
    (compared without case or surrounding blanks) and nothing else is asked of it."""
    if configured is not None:
        if facts.name.strip().casefold() != configured.strip().casefold():
            return None
        return EffortField(facts.name, facts.kind, _unit(facts), 0)
    named = set(words(facts.name))
    if named & NOT_EFFORT:
        return None
    strength = _strength(named)
    if strength is None and (described := _strength(set(words(facts.description)))) \
            is not None:
        strength = described + 2
    if strength is None and facts.kind is Kind.duration:
        strength = 1  # a duration is time by definition, whatever it is called
    if strength is None or (facts.kind is Kind.text and strength % 2):
        return None  # free text named only "Time" may well hold "10:00", a time of day
    return EffortField(facts.name, facts.kind, _unit(facts), strength)


def _unit(facts: FieldFacts) -> Unit:
    if facts.kind is Kind.duration:
        return Unit.minutes
    return (stated_unit(facts.name) or stated_unit(facts.description)
            or stated_unit(facts.unit_label) or Unit.hours)


def estimate(fields: Iterable[tuple[FieldFacts, Any]], configured: str | None = None
             ) -> Estimate:
    """The strongest effort field that has a value; if none has one, the strongest
    effort field with no value (so status can say the field exists but is empty)."""
    found = []
    for index, (facts, value) in enumerate(fields):
        field = effort_field(facts, configured)
        if field is not None:
            found.append((field.strength, index, field, value))
    found.sort(key=lambda entry: entry[:2])
    for _, _, field, value in found:
        hours = field.hours(value)
        if hours is not None:
            return Estimate(hours, field.describe())
    return Estimate(None, found[0][2].describe()) if found else NO_ESTIMATE


def parse_amount(text: str, unit: Unit | None, units: frozenset[Unit] | None = None
                 ) -> float | None:
    """Hours in a written amount; a bare number is in `unit` (None: not allowed).
    `units` limits which written units count (labels)."""
    cleaned = text.strip().casefold()
    clock = CLOCK.fullmatch(cleaned)
    if clock:
        return int(clock.group(1)) + int(clock.group(2)) / 60
    iso = ISO_DURATION.fullmatch(cleaned)
    if iso and any(iso.groups()):
        days, hours, minutes = (float(g) if g else 0.0 for g in iso.groups())
        return days * Unit.days.in_hours + hours + minutes / 60
    return _amounts(cleaned, unit, units)


def _amounts(cleaned: str, unit: Unit | None, units: frozenset[Unit] | None) -> float | None:
    pairs = list(AMOUNT.finditer(cleaned))
    if not pairs or "".join(m.group(0) for m in pairs).replace(" ", "") != \
            re.sub(r"\s+", "", cleaned):
        return None
    total = 0.0
    for match in pairs:
        written = match.group(2)
        chosen = VALUE_UNITS.get(written) if written else (unit if len(pairs) == 1 else None)
        if chosen is None or (units is not None and written and chosen not in units):
            return None
        total += float(match.group(1).replace(",", ".")) * chosen.in_hours
    return total


def label_hours(name: str) -> float | None:
    """Hours from a Trello label named like "8h", "2.5 h", "90 min" or "1h 30m"."""
    return parse_amount(name, None, LABEL_UNITS)


def _number(value: Any) -> float | None:
    """A JSON number, or a numeric string as Trello sends numbers; never a bool."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None
