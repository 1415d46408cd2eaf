"""Does a text name a client or a deal, or carry its Salesforce id? Normalised and indexed.

People write "ACME kick-off", "Sommerfest MULLER" or paste a record link;
the CRM says "Acme, Inc." and "Müller GmbH". Names are
compared as sequences of words: case folded, accents stripped, punctuation
dropped, and a company's legal form ("Inc.", "GmbH", "Ltd", "S.A.") left off
the end of a name. Whole words only: "Acme" is named by "kickoff acme gala"
but not by "Acmetrics".

Both indexes answer "which of these few hundred names or ids occur in this
text?" in one pass over the text's words (a set test in C for the common
case of none), so scanning every task once replaces comparing every deal with
every task.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from typing import Generic, TypeVar

from model.record_ids import salesforce_id18

T = TypeVar("T")

Words = tuple[str, ...]

WORD = re.compile(r"[^\W_]+")
ACCENTS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
"""The combining marks that decomposing (NFKD) splits off accented letters."""
DOTTED = re.compile(r"(?<![^\W\d_])(?:[^\W\d_]\.){2,}")
"""Abbreviations written with dots ("S.A.", "e.V."), read as one word ("sa", "ev")."""
LEGAL_FORMS = frozenset({
    "inc", "incorporated", "corp", "corporation", "co", "company", "llc", "llp", "lp", "ltd",
    "limited", "plc", "gmbh", "mbh", "ag", "kg", "ev", "sa", "sas", "sarl", "srl", "spa", "bv",
    "nv", "oy", "ab", "as", "pty",
})


def words(text: str) -> Words:
    """The words of `text`, case folded and without accents ("Zürich" -> "zurich")."""
    folded = text.casefold()
    if not folded.isascii():
        folded = ACCENTS.sub("", unicodedata.normalize("NFKD", folded))
    return tuple(WORD.findall(folded))


def name_words(name: str) -> Words:
    """A company's or deal's name as words, without a trailing legal form.

    "Acme, Inc." and "ACME Inc" both give ("acme",); a name that is nothing
    but a legal form keeps its last word rather than vanish."""
    found = list(words(DOTTED.sub(lambda m: m.group().replace(".", ""), name)))
    while len(found) > 1 and found[-1] in LEGAL_FORMS:
        found.pop()
    return tuple(found)


def salesforce_id15(value: str) -> str | None:
    """The case-sensitive 15-character form of a Salesforce record id, or None. An
    18-character id may be written in any case: its suffix restores the case."""
    full = salesforce_id18(value)
    return full[:15] if full else None


class PhraseIndex(Generic[T]):
    """Known phrases (word tuples), each standing for a target; found as whole words."""

    def __init__(self) -> None:
        self._by_first: dict[str, list[tuple[Words, T]]] = defaultdict(list)

    def add(self, phrase: Words, target: T) -> None:
        if phrase:
            self._by_first[phrase[0]].append((phrase, target))

    def find(self, text_words: Words) -> list[T]:
        """Targets whose phrase occurs in `text_words` as consecutive words.

        Only the words that start some phrase are looked at (a set intersection in C),
        and only where they occur (`tuple.index`), so a long text costs little more
        than reading its words."""
        by_first = self._by_first
        starts = by_first.keys() & text_words
        found: list[T] = []
        for word in starts:
            for phrase, target in by_first[word]:
                if _occurs(phrase, text_words):
                    found.append(target)
        return found


def _occurs(phrase: Words, text_words: Words) -> bool:
    size, start = len(phrase), text_words.index(phrase[0])
    while text_words[start:start + size] != phrase:
        try:
            start = text_words.index(phrase[0], start + 1)
        except ValueError:
            return False
    return True


class SalesforceIdIndex(Generic[T]):
    """Known Salesforce ids, each standing for a target; found in text or as a value.

    Text is searched through its folded words: an 18-character id matches in any
    case, a 15-character one only with its exact case (checked in the original
    text, since two records' short ids may differ by case alone)."""

    def __init__(self) -> None:
        self._by_word: dict[str, list[tuple[str | None, T]]] = defaultdict(list)
        self._by_value: dict[str, list[T]] = defaultdict(list)

    def add(self, record_id: str, target: T) -> None:
        self._by_value[record_id].append(target)
        full = salesforce_id18(record_id)
        if full is None:
            return
        id15 = full[:15]
        self._by_word[full.casefold()].append((None, target))
        self._by_word[id15.casefold()].append((id15, target))
        if id15 != record_id:
            self._by_value[id15].append(target)

    def find(self, text_words: Words, text: str) -> list[T]:
        by_word = self._by_word
        if by_word.keys().isdisjoint(text_words):
            return []
        return [target for word in text_words for exact, target in by_word.get(word, ())
                if exact is None or exact in text]

    def of_value(self, value: str | None) -> list[T]:
        """Targets of an id stored in a column (a task's WhatId or AccountId)."""
        if not value:
            return []
        id15 = salesforce_id15(value)
        return self._by_value.get(value, []) or (self._by_value.get(id15, []) if id15 else [])
