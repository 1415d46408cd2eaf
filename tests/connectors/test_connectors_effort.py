"""Effort fields found by name (connectors/effort.py): the decisions, as tables and properties.

The tables are the names organisations actually use; the properties say the same for
every spelling, decoration and unit the detector claims to understand, so a second
organisation with other habits meets the same rules.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.effort import (
    HOURS_PER_DAY,
    Estimate,
    FieldFacts,
    Kind,
    Unit,
    effort_field,
    estimate,
    label_hours,
    parse_amount,
)
from connectors.errors import RecordInvalid

NUMBER, TEXT, DURATION = Kind.number, Kind.text, Kind.duration
EN_DASH = "\u2013"  # names are typed with it ("Time estimate \u2013 minutes")


@pytest.mark.parametrize(("name", "unit", "strength"), [
    ("Estimated hours", Unit.hours, 0),
    ("Estimate (h)", Unit.hours, 0),
    ("Estimate", Unit.hours, 0),
    ("Effort [days]", Unit.days, 0),
    ("Effort (person-days)", Unit.days, 0),
    ("Man-days", Unit.days, 0),
    (f"Time estimate {EN_DASH} minutes", Unit.minutes, 0),
    ("Est. hours", Unit.hours, 0),
    ("EST (min)", Unit.minutes, 0),
    ("Workload {wk}", Unit.weeks, 0),
    ("Duration", Unit.hours, 1),
    ("Hours", Unit.hours, 1),
    ("Time (mins)", Unit.minutes, 1),
    ("Remaining hours", Unit.hours, 1),
    ("Hours (in days)", Unit.days, 1),
    ("Geschätzte Std.", Unit.hours, None),  # no word we know says estimate; Std. is a unit
])
def test_names_that_hold_effort(name: str, unit: Unit, strength: int | None) -> None:
    found = effort_field(FieldFacts(name, NUMBER))
    if strength is None:
        assert found is None
        return
    assert found is not None and (found.unit, found.strength) == (unit, strength)


@pytest.mark.parametrize("name", [
    "Story points", "Points", "Estimate (points)", "Hours spent", "Actual hours",
    "Time spent", "Logged time", "Tracked hours", "Billable hours", "Est. cost",
    "Budget hours", "Hourly rate", "Priority", "Start time", "Due time", "End time",
    "Lead time", "Cycle time", "Response time", "Time zone", "Timezone", "Timestamp",
    "Time slot", "Estimated completion date", "Effort (months)", "T-shirt size",
    "Complexity", "Progress %", "Notes", "", "Deal amount",
])
def test_names_that_are_not_an_estimate(name: str) -> None:
    assert effort_field(FieldFacts(name, NUMBER)) is None
    assert effort_field(FieldFacts(name, TEXT)) is None


@pytest.mark.parametrize(("facts", "unit", "strength"), [
    (FieldFacts("Size", NUMBER, description="Estimated effort in days"), None, None),
    (FieldFacts("Setup", NUMBER, description="Estimated effort in days"), Unit.days, 2),
    (FieldFacts("Setup", NUMBER, description="How long it takes"), None, None),
    (FieldFacts("Setup", NUMBER, description="hours of work"), Unit.hours, 3),
    (FieldFacts("Estimate", NUMBER, description="in minutes please"), Unit.minutes, 0),
    (FieldFacts("Estimate", NUMBER, unit_label="hrs"), Unit.hours, 0),
    (FieldFacts("Effort", NUMBER, unit_label="days"), Unit.days, 0),
    (FieldFacts("Estimate (h)", NUMBER, unit_label="days"), Unit.hours, 0),
    (FieldFacts("Estimated time", DURATION), Unit.minutes, 0),
    (FieldFacts("Estimate (h)", DURATION), Unit.minutes, 0),
    (FieldFacts("Setup", DURATION), Unit.minutes, 1),
    (FieldFacts("Actual time", DURATION), None, None),
    (FieldFacts("Estimate", TEXT), Unit.hours, 0),
    (FieldFacts("Time", TEXT), None, None),  # may hold "10:00", a time of day
    (FieldFacts("Duration", TEXT), None, None),
    (FieldFacts("Notes", TEXT, description="effort estimate, free text"), Unit.hours, 2),
])
def test_description_label_and_kind(facts: FieldFacts, unit: Unit | None,
                                    strength: int | None) -> None:
    found = effort_field(facts)
    assert (found.unit, found.strength) == (unit, strength) if found else unit is None


def test_a_configured_field_is_the_only_one_whatever_its_name() -> None:
    points = FieldFacts("Story points", NUMBER)
    assert effort_field(points) is None
    configured = effort_field(FieldFacts(" story POINTS ", NUMBER), "Story points")
    assert configured is not None and configured.unit is Unit.hours
    assert effort_field(FieldFacts("Estimated hours", NUMBER), "Story points") is None
    days = effort_field(FieldFacts("Size [days]", NUMBER), "size [days]")
    assert days is not None and days.unit is Unit.days


@pytest.mark.parametrize(("text", "hours"), [
    ("4", 4.0), ("2.5h", 2.5), ("2,5 h", 2.5), ("90 min", 1.5), ("90 min.", 1.5),
    ("1h 30m", 1.5), ("1h30", None), ("1.5 days", 12.0), ("1d", HOURS_PER_DAY),
    ("1:30", 1.5), ("PT1H30M", 1.5), ("P1D", HOURS_PER_DAY), ("3 hours", 3.0),
    ("2 wk", 2 * 5 * HOURS_PER_DAY), (" 4 H ", 4.0), ("0", 0.0),
    ("2-3h", None), ("TBD", None), ("", None), ("4 5", None), ("4 pts", None),
    ("-3", None), ("about 4h", None), ("4h!", None), ("P", None),
])
def test_written_amounts(text: str, hours: float | None) -> None:
    assert parse_amount(text, Unit.hours) == pytest.approx(hours) if hours is not None \
        else parse_amount(text, Unit.hours) is None


def test_a_bare_number_takes_the_fields_unit_and_labels_need_one() -> None:
    assert parse_amount("3", Unit.days) == 3 * HOURS_PER_DAY
    assert parse_amount("90", Unit.minutes) == 1.5
    assert parse_amount("3", None) is None
    assert (label_hours("8h"), label_hours("90 min"), label_hours("3D"), label_hours("8")) \
        == (8.0, 1.5, None, None)


def test_values_in_hours_by_kind() -> None:
    days = effort_field(FieldFacts("Effort [days]", NUMBER))
    minutes = effort_field(FieldFacts("Estimated time", DURATION))
    text = effort_field(FieldFacts("Estimate", TEXT))
    assert days and minutes and text
    assert (days.hours(1.5), days.hours("2"), days.hours(None), days.hours(-1)) == \
        (12.0, 16.0, None, None)
    assert minutes.hours(90) == 1.5
    assert (text.hours("90 min"), text.hours("soon"), text.hours("")) == (1.5, None, None)
    for malformed in ("lots", True, [4], float("nan")):
        with pytest.raises(RecordInvalid):
            days.hours(malformed)


def test_the_strongest_field_with_a_value_wins() -> None:
    duration = (FieldFacts("Duration", NUMBER), 3)
    est = (FieldFacts("Estimate (h)", NUMBER), 5)
    empty_est = (FieldFacts("Estimate (h)", NUMBER), None)
    spent = (FieldFacts("Hours spent", NUMBER), 9)
    assert estimate([duration, est]) == Estimate(5.0, '"Estimate (h)" (hours)')
    assert estimate([spent, empty_est, duration]) == Estimate(3.0, '"Duration" (hours)')
    assert estimate([empty_est, spent]) == Estimate(None, '"Estimate (h)" (hours)')
    assert estimate([spent]) == Estimate(None, None)
    assert estimate([duration, est], configured="Duration") == Estimate(3.0, '"Duration" (hours)')
    assert estimate([duration], configured="Estimate (h)") == Estimate(None, None)


# -- properties -------------------------------------------------------------------------

UNIT_WORDS = {Unit.hours: ["h", "hr", "hrs", "hour", "hours", "Hours", "H"],
              Unit.minutes: ["min", "mins", "minutes", "Minutes", "MIN"],
              Unit.days: ["d", "day", "days", "Days", "person-days", "man days"],
              Unit.weeks: ["wk", "weeks", "Weeks"]}
ESTIMATE_WORDS = ["Estimate", "Estimated", "estimation", "Est.", "EST", "Effort", "effort",
                  "Workload"]
NOT_ESTIMATE_WORDS = ["spent", "Actual", "logged", "tracked", "Story points", "points",
                      "cost", "Budget", "rate", "priority", "size"]
units = st.sampled_from(list(UNIT_WORDS))


@st.composite
def decorated_unit(draw: st.DrawFn, unit: Unit) -> str:
    word = draw(st.sampled_from(UNIT_WORDS[unit]))
    return draw(st.sampled_from([f"({word})", f"[{word}]", f"{{{word}}}", f"- {word}",
                                 f"{EN_DASH} {word}", f"in {word}", word]))


@given(st.sampled_from(ESTIMATE_WORDS), units, st.data(), st.booleans())
def test_any_estimate_word_with_any_unit_is_found_in_that_unit(
        word: str, unit: Unit, data: st.DataObject, unit_first: bool) -> None:
    decorated = data.draw(decorated_unit(unit))
    name = f"{decorated} {word}" if unit_first and not decorated.startswith(("-", EN_DASH, "in")) \
        else f"{word} {decorated}"
    found = effort_field(FieldFacts(name, data.draw(st.sampled_from([NUMBER, TEXT]))))
    assert found is not None and found.unit is unit and found.strength == 0, name


@given(st.sampled_from([*ESTIMATE_WORDS, "Hours", "Duration", "Time"]),
       st.sampled_from(NOT_ESTIMATE_WORDS), st.booleans(), st.sampled_from([NUMBER, TEXT]))
def test_a_word_of_spent_time_or_another_measure_always_excludes(
        word: str, other: str, before: bool, kind: Kind) -> None:
    name = f"{other} {word}" if before else f"{word} ({other})"
    assert effort_field(FieldFacts(name, kind)) is None


@given(st.decimals(min_value=0, max_value=10_000, places=2), units, st.data())
def test_written_amounts_convert_by_their_unit(amount: object, unit: Unit,
                                               data: st.DataObject) -> None:
    word = data.draw(st.sampled_from([w for w in UNIT_WORDS[unit] if " " not in w
                                      and "-" not in w]))
    gap = data.draw(st.sampled_from(["", " "]))
    text = f"{amount}{gap}{word}"
    comma = data.draw(st.booleans())
    expected = float(str(amount)) * unit.in_hours
    assert parse_amount(text.replace(".", ",") if comma else text, Unit.hours) \
        == pytest.approx(expected)
    assert parse_amount(str(amount), unit) == pytest.approx(expected)


@given(st.integers(0, 99), st.integers(0, 59))
def test_hours_and_minutes_forms_agree(hours: int, minutes: int) -> None:
    expected = hours + minutes / 60
    for text in (f"{hours}h {minutes}m", f"{hours}h{minutes}min", f"{hours}:{minutes:02d}",
                 f"PT{hours}H{minutes}M", f"{hours} hours {minutes} minutes"):
        assert parse_amount(text, Unit.hours) == pytest.approx(expected), text


@given(st.text(max_size=40))
def test_any_text_is_an_amount_or_none_never_an_error(text: str) -> None:
    found = parse_amount(text, Unit.hours)
    assert found is None or found >= 0
    effort_field(FieldFacts(text, NUMBER, description=text, unit_label=text))
