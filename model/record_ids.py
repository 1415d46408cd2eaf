"""Salesforce record ids in their two forms: sync links by them and rules match them.

A record id is 15 case-sensitive characters; the API and most URLs add three
more that encode, five characters each, which of the first fifteen are upper
case, so the 18-character form survives a lowercased URL or a case-insensitive
search. Both forms name the same record, so everything that compares ids
compares the 18-character form.
"""

from __future__ import annotations

import re

SALESFORCE_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
CHECKSUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
UPPER_BITS = str.maketrans({c: "1" if c.isupper() else "0" for c in
                            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"})


def salesforce_id18(value: str) -> str | None:
    """The 18-character form of a Salesforce id, or None if `value` is not one.

    The first 15 characters are case-sensitive; the 3 added ones encode, five
    characters each, which of them are upper case. So a 15-character id gains
    its suffix, and an 18-character id whose case was lost (a lowercased URL)
    gets it back from the suffix; a suffix that disagrees with its id is no id.
    """
    if not SALESFORCE_ID.fullmatch(value):
        return None
    checksum = _checksum(value[:15])
    if len(value) == 15 or value[15:].upper() == checksum:
        return value[:15] + checksum
    head = _apply_case(value[:15], value[15:].upper())
    return None if head is None else head + _checksum(head)


def _checksum(head: str) -> str:
    upper = head.translate(UPPER_BITS)[::-1]  # "1" per upper-case letter, last first
    return "".join(CHECKSUM[int(upper[n:n + 5], 2)] for n in (10, 5, 0))


def _apply_case(head: str, suffix: str) -> str | None:
    chars = []
    for n, code in enumerate(suffix):
        bits = CHECKSUM.find(code)
        if bits < 0:
            return None
        chunk = head[5 * n:5 * n + 5]
        chars += [c.upper() if bits >> i & 1 else c.lower() for i, c in enumerate(chunk)]
    fixed = "".join(chars)
    return fixed if _checksum(fixed) == suffix else None
