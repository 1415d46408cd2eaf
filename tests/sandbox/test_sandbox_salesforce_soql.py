"""The replica's SOQL parser: the connector's query shapes parse, everything else is refused."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.salesforce.soql import SoqlError, parse, parse_datetime

CONNECTOR_SHAPE = (
    "SELECT Id, Name, Owner.Name, SystemModstamp FROM Opportunity "
    "WHERE SystemModstamp >= 2026-05-01T07:25:37.000+0000 AND IsDeleted = false "
    "AND CloseDate < 2026-06-01 AND Amount > 10.5 AND AccountId != null AND Name <> 'It\\'s' "
    "ORDER BY SystemModstamp ASC, Id LIMIT 2000"
)


def test_the_connector_query_shape_parses_into_its_parts() -> None:
    query = parse(CONNECTOR_SHAPE)
    assert [f.path for f in query.fields] == [
        ("Id",), ("Name",), ("Owner", "Name"), ("SystemModstamp",)]
    assert query.sobject.text == "Opportunity"
    assert [(c.field.dotted, c.op, c.kind, c.value) for c in query.where] == [
        ("SystemModstamp", ">=", "datetime", datetime(2026, 5, 1, 7, 25, 37, tzinfo=UTC)),
        ("IsDeleted", "=", "boolean", False),
        ("CloseDate", "<", "date", date(2026, 6, 1)),
        ("Amount", ">", "number", 10.5),
        ("AccountId", "!=", "null", None),
        ("Name", "!=", "string", "It's"),
    ]
    assert [(o.field.dotted, o.descending, o.nulls_first) for o in query.order_by] == [
        ("SystemModstamp", False, True), ("Id", False, True)]
    assert query.limit == 2000


def test_keywords_are_case_insensitive_and_order_options_are_read() -> None:
    query = parse("select id from account where isdeleted = TRUE "
                  "order by name desc nulls first, id desc limit 3")
    assert [(o.descending, o.nulls_first) for o in query.order_by] == [(True, True),
                                                                       (True, False)]


@pytest.mark.parametrize("spelling", ["2026-05-01T09:25:37Z", "2026-05-01T09:25:37.000+0000",
                                      "2026-05-01T11:25:37+02:00", "2026-05-01T04:25:37-0500"])
def test_every_datetime_spelling_means_the_same_instant(spelling: str) -> None:
    assert parse_datetime(spelling) == datetime(2026, 5, 1, 9, 25, 37, tzinfo=UTC)


@pytest.mark.parametrize(("soql", "column"), [
    ("SELECT Id FROM Account WHERE Name = 'a' OR Name = 'b'", 41),
    ("SELECT Id FROM Account WHERE Name IN ('a')", 35),
    ("SELECT Id FROM Account WHERE CreatedDate > LAST_N_DAYS:3", 44),
    ("SELECT Id FROM Account WHERE SystemModstamp > 2026-05-01T00:00:00", 47),
    ("SELECT Id FROM Account LIMIT 5 OFFSET 5", 32),
    ("SELECT COUNT() FROM Account", 8),
    ("SELECT Id FROM Account GROUP BY Id", 24),
    ("SELECT Id, FROM Account", 12),
    ("SELECT Id FROM Account WHERE Name = 'unterminated", 37),
    ("SELECT Id FROM", 15),
    ("DELETE FROM Account", 1),
])
def test_anything_else_is_malformed_query_at_the_right_column(soql: str, column: int) -> None:
    with pytest.raises(SoqlError) as raised:
        parse(soql)
    assert raised.value.error_code == "MALFORMED_QUERY"
    assert f"ERROR at Row:1:Column:{column}\n" in raised.value.message


def test_rows_and_columns_follow_newlines() -> None:
    with pytest.raises(SoqlError) as raised:
        parse("SELECT Id\nFROM Account\nWHERE Name = 'x' OR Id = null")
    assert "ERROR at Row:3:Column:18\nunexpected token: OR" in raised.value.message
    assert "\nWHERE Name = 'x' OR Id = null\n                 ^\n" in raised.value.message


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30))
def test_string_literals_round_trip(text: str) -> None:
    escaped = text.replace("\\", "\\\\").replace("'", "\\'")
    assert parse(f"SELECT Id FROM Account WHERE Name = '{escaped}'").where[0].value == text
