"""The URLs in a piece of text, however people wrote them down.

Descriptions come as plain text (Google Tasks, Salesforce), Markdown (Trello:
`[label](url "title")`, `<url>`), HTML (Google Calendar, Asana `html_notes`:
`<a href="…&amp;…">label</a>`) or a mix, and a URL often ends a sentence or
sits in brackets: `(see https://trello.com/c/AbCd1234).` Mail and chat tools
wrap links in redirects (`https://www.google.com/url?q=<url>&sa=D`, Outlook
safe links), and people drop the scheme (`trello.com/c/AbCd1234`). Every URL
found here is only a candidate: `sync.link_forms` decides what it points at.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

URL = re.compile(r"https?://[^\s<>\"'`\[\](){}|\\^]+", re.IGNORECASE)
BARE_TOOL_URL = re.compile(
    r"(?<![a-z0-9./:@-])(?:[a-z0-9-]+\.)*(?:trello\.com|asana\.com|salesforce\.com|force\.com)"
    r"/[^\s<>\"'`\[\](){}|\\^]*", re.IGNORECASE)
"""A tool URL pasted without its scheme (`app.asana.com/0/0/123`)."""
TOOL_HOSTS = ("trello.com/", "asana.com/", "force.com/")
"""What a schemeless tool URL must contain (`force.com/` also ends `salesforce.com/`)."""
ENTITY = re.compile(r"&#?\w{1,32};")
"""An HTML entity with its `;` (`&amp;` in an href); `&copy=1` in a plain URL is no entity."""
TRAILING = ".,;:!?*_~"
"""Sentence punctuation and Markdown emphasis that end a URL's text but not the URL."""
MAX_DEPTH = 2


def urls_in(text: str | None, depth: int = MAX_DEPTH) -> Iterator[str]:
    """Every URL in `text`, in order, each followed by the URLs it carries in its query
    (to `depth` levels of redirect)."""
    if not text or "." not in text:
        return
    if "&" in text:
        text = ENTITY.sub(lambda m: html.unescape(m.group()), text)
    if "://" in text:
        for match in URL.finditer(text):
            yield from _with_nested(match.group().rstrip(TRAILING), depth)
    lowered = text.lower()
    if not any(host in lowered for host in TOOL_HOSTS):  # most texts name no tool host
        return
    for match in BARE_TOOL_URL.finditer(URL.sub(" ", text) if "://" in text else text):
        yield from _with_nested("https://" + match.group().rstrip(TRAILING), depth)


def _with_nested(url: str, depth: int) -> Iterator[str]:
    """`url`, then any URL a query value of it holds (redirects carry the real link)."""
    yield url
    if depth == 0 or "?" not in url:
        return
    try:
        query = urlsplit(url).query
    except ValueError:  # a malformed authority such as an unclosed IPv6 bracket
        return
    for _, value in parse_qsl(query):
        yield from urls_in(value, depth - 1)
