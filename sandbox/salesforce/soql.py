"""A small, real parser for the SOQL subset the baton connector sends.

Grammar (keywords case-insensitive, as in SOQL):

    SELECT path (, path)* FROM Object
      [WHERE path op literal (AND path op literal)*]
      [ORDER BY path [ASC|DESC] [NULLS FIRST|LAST] (, ...)*]
      [LIMIT n]

`path` is a field (`Name`) or a relationship path (`Owner.Name`); `op` is one
of = != <> < <= > >=; a literal is a quoted string, a number, true/false/null,
a date (`2024-01-31`) or a datetime with zone (`2024-01-31T08:00:00Z`,
`...00.000+0000`, `...00+01:00`). Anything else is refused with Salesforce's
own MALFORMED_QUERY error, because a replica that silently ignored an `OR` or
an `OFFSET` would hand a connector a wrong answer that looks right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Literal

LiteralKind = Literal["string", "number", "boolean", "null", "datetime", "date"]
LiteralValue = str | float | bool | datetime | date | None

# Valid SOQL this replica does not evaluate: the error says so, so that a
# developer does not "fix" a query that the real API would accept.
UNSUPPORTED_WORDS = frozenset({
    "OR", "NOT", "IN", "LIKE", "INCLUDES", "EXCLUDES", "GROUP", "HAVING", "OFFSET", "FOR",
    "WITH", "USING", "TYPEOF", "COUNT", "ALL", "ROWS", "TODAY", "YESTERDAY", "TOMORROW",
    "FIELDS", "(", ")", ":",
})

RESERVED_WORDS = frozenset({"SELECT", "FROM", "WHERE", "AND", "ORDER", "BY", "ASC", "DESC",
                            "NULLS", "FIRST", "LAST", "LIMIT", "TRUE", "FALSE", "NULL"})

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<zoneless>\d{4}-\d{2}-\d{2}T[\d:.]*)
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\dT]))
  | (?P<number>[+-]?\d+(?:\.\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<comma>,)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "'": "'", '"': '"',
            "\\": "\\", "_": "\\_", "%": "\\%"}


class SoqlError(Exception):
    """A query the API refuses; `error_code` is Salesforce's (MALFORMED_QUERY, ...)."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.message = message


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    row: int
    column: int


@dataclass(frozen=True)
class FieldRef:
    path: tuple[str, ...]
    token: Token

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class Comparison:
    field: FieldRef
    op: str
    kind: LiteralKind
    value: LiteralValue
    literal: Token


@dataclass(frozen=True)
class OrderItem:
    field: FieldRef
    descending: bool
    nulls_first: bool


@dataclass(frozen=True)
class Query:
    text: str
    fields: tuple[FieldRef, ...]
    sobject: Token
    where: tuple[Comparison, ...]
    order_by: tuple[OrderItem, ...]
    limit: int | None


def located(text: str, token: Token, problem: str) -> str:
    """Salesforce's error text: the query, a caret under the column, the position."""
    lines = text.split("\n")
    line = lines[token.row - 1] if token.row - 1 < len(lines) else ""
    caret = " " * (token.column - 1) + "^"
    return f"\n{line}\n{caret}\nERROR at Row:{token.row}:Column:{token.column}\n{problem}"


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    row, line_start = 1, 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        column = match.start() - line_start + 1
        if kind == "ws":
            for offset, char in enumerate(match.group()):
                if char == "\n":
                    row, line_start = row + 1, match.start() + offset + 1
            continue
        if kind == "other" and match.group() == "'":
            raise SoqlError("MALFORMED_QUERY", located(
                text, Token(kind, "'", row, column), "unterminated string literal"))
        tokens.append(Token(kind, match.group(), row, column))
    end_column = len(text) - line_start + 1
    tokens.append(Token("eof", "<EOF>", row, end_column))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.position = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.position]

    def advance(self) -> Token:
        token = self.current
        self.position += 1
        return token

    def at_keyword(self, *words: str) -> bool:
        return self.current.kind == "ident" and self.current.text.upper() in words

    def unexpected(self, token: Token | None = None) -> SoqlError:
        token = token or self.current
        problem = f"unexpected token: {token.text}"
        if token.text.upper() in UNSUPPORTED_WORDS:
            problem += " (valid SOQL, but not supported by the baton sandbox replica)"
        return SoqlError("MALFORMED_QUERY", located(self.text, token, problem))

    def expect_keyword(self, word: str) -> Token:
        if not self.at_keyword(word):
            raise self.unexpected()
        return self.advance()

    def field(self) -> FieldRef:
        token = self.current
        if token.kind != "ident" or token.text.upper() in UNSUPPORTED_WORDS | RESERVED_WORDS:
            raise self.unexpected()
        self.advance()
        return FieldRef(tuple(token.text.split(".")), token)

    def parse(self) -> Query:
        self.expect_keyword("SELECT")
        fields = [self.field()]
        while self.current.kind == "comma":
            self.advance()
            fields.append(self.field())
        self.expect_keyword("FROM")
        sobject = self.current
        if sobject.kind != "ident" or "." in sobject.text:
            raise self.unexpected()
        self.advance()
        where = self.where_clause()
        order_by = self.order_clause()
        limit = self.limit_clause()
        if self.current.kind != "eof":
            raise self.unexpected()
        return Query(self.text, tuple(fields), sobject, where, order_by, limit)

    def where_clause(self) -> tuple[Comparison, ...]:
        if not self.at_keyword("WHERE"):
            return ()
        self.advance()
        conditions = [self.comparison()]
        while self.at_keyword("AND"):
            self.advance()
            conditions.append(self.comparison())
        return tuple(conditions)

    def comparison(self) -> Comparison:
        field = self.field()
        if self.current.kind != "op":
            raise self.unexpected()
        op = self.advance().text
        literal = self.advance()
        kind, value = self.literal_value(literal)
        return Comparison(field, "!=" if op == "<>" else op, kind, value, literal)

    def literal_value(self, token: Token) -> tuple[LiteralKind, LiteralValue]:
        if token.kind == "string":
            return "string", _unescape(token.text[1:-1])
        if token.kind == "number":
            return "number", float(token.text)
        if token.kind == "datetime":
            return "datetime", parse_datetime(token.text)
        if token.kind == "date":
            return "date", _parse_date(self.text, token)
        words: dict[str, tuple[LiteralKind, LiteralValue]] = {
            "TRUE": ("boolean", True), "FALSE": ("boolean", False), "NULL": ("null", None)}
        if token.kind == "ident" and token.text.upper() in words:
            return words[token.text.upper()]
        raise self.unexpected(token)

    def order_clause(self) -> tuple[OrderItem, ...]:
        if not self.at_keyword("ORDER"):
            return ()
        self.advance()
        self.expect_keyword("BY")
        items = [self.order_item()]
        while self.current.kind == "comma":
            self.advance()
            items.append(self.order_item())
        return tuple(items)

    def order_item(self) -> OrderItem:
        field = self.field()
        descending = False
        if self.at_keyword("ASC", "DESC"):
            descending = self.advance().text.upper() == "DESC"
        nulls_first = not descending  # SOQL's default: nulls first ascending, last descending
        if self.at_keyword("NULLS"):
            self.advance()
            if not self.at_keyword("FIRST", "LAST"):
                raise self.unexpected()
            nulls_first = self.advance().text.upper() == "FIRST"
        return OrderItem(field, descending, nulls_first)

    def limit_clause(self) -> int | None:
        if not self.at_keyword("LIMIT"):
            return None
        self.advance()
        token = self.current
        if token.kind != "number" or not token.text.isdigit():
            raise self.unexpected()
        self.advance()
        return int(token.text)


def _unescape(body: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)


def _parse_date(text: str, token: Token) -> date:
    try:
        return date.fromisoformat(token.text)
    except ValueError as error:
        raise SoqlError("MALFORMED_QUERY", located(
            text, token, f"invalid date: {token.text}")) from error


def parse_datetime(value: str) -> datetime:
    """An ISO 8601 datetime with a zone, in any spelling Salesforce accepts."""
    match = re.fullmatch(
        r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d{1,3}))?(Z|([+-])(\d{2}):?(\d{2}))",
        value.strip())
    if match is None:
        raise ValueError(f"not a SOQL datetime: {value!r}")
    day, clock, millis, zone, sign, hours, minutes = match.groups()
    parsed = datetime.fromisoformat(f"{day}T{clock}")
    parsed = parsed.replace(microsecond=int((millis or "0").ljust(3, "0")) * 1000)
    offset = timedelta(0)
    if zone != "Z":
        offset = timedelta(hours=int(hours), minutes=int(minutes))
        offset = -offset if sign == "-" else offset
    return parsed.replace(tzinfo=timezone(offset)).astimezone(UTC)


def parse(text: str) -> Query:
    """Parse one SOQL statement or raise `SoqlError` (MALFORMED_QUERY)."""
    return _Parser(text).parse()
