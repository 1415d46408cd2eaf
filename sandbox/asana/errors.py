"""Asana's error envelope and the error responses the replica serves.

Every Asana failure is `{"errors": [{"message", "help"}]}`; 500s add a `phrase`
(generated words Asana support can look up). The documented samples print only
`message` (and `phrase`), but live answers quoted in public reports always carry
`help` with the text below, and the OpenAPI `Error` schema lists all three.
"""

from __future__ import annotations

import itertools
import threading
from http import HTTPStatus

from starlette.responses import JSONResponse, Response

from sandbox.knobs import ErrorRenderer

HELP = (
    "For more information on API status codes and how to handle them, "
    "read the docs on errors: https://developers.asana.com/docs/errors"
)
JSON_MEDIA_TYPE = "application/json; charset=UTF-8"

NOT_AUTHORIZED = "Not Authorized"
NO_ROUTE = "No matching route for request"
RATE_LIMITED = (
    "You've made too many requests and hit a rate limit. "
    "Please retry after the given amount of time."
)
SERVER_ERROR = "Server Error"
BAD_OFFSET = "offset: Your pagination token is invalid."
TOO_LARGE = (
    "The result is too large. You should use pagination (may require specifying a workspace)!"
)
SYNC_INVALID = (
    "Sync token invalid or too old. If you are attempting to keep resources in sync, "
    "you must fetch the full dataset for this query now and use the new sync token "
    "for the next sync."
)
FAULT_MESSAGES = {401: NOT_AUTHORIZED, 404: NO_ROUTE, 429: RATE_LIMITED, 500: SERVER_ERROR}

_ADJECTIVES = ("sad", "angry", "blue", "quick", "red", "green", "purple", "orange")
_NOUNS = ("squid", "ants", "birds", "quails", "rabbits", "geckos", "penguins", "octopi")
_VERBS = ("snuggle", "argue", "bounce", "quiver", "run", "gallop", "parade", "operate")
_ADVERBS = ("softly", "always", "briskly", "quietly", "rapidly", "gracefully", "proudly")


class AsanaJSONResponse(JSONResponse):
    """Asana answers `application/json; charset=UTF-8` (recorded content-type)."""

    media_type = JSON_MEDIA_TYPE


class AsanaError(Exception):
    """Raised anywhere in a request to answer with Asana's error envelope."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class PhraseMaker:
    """Deterministic stand-in for node-asana-phrase ("6 sad squid snuggle softly")."""

    def __init__(self) -> None:
        self._counter = itertools.count()
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            n = next(self._counter)
        return " ".join((
            str(2 + n % 8), _ADJECTIVES[n % len(_ADJECTIVES)], _NOUNS[(n // 2) % len(_NOUNS)],
            _VERBS[(n // 3) % len(_VERBS)], _ADVERBS[(n // 5) % len(_ADVERBS)],
        ))


def error_body(message: str, phrase: str | None = None) -> dict[str, list[dict[str, str]]]:
    error = {"message": message, "help": HELP}
    if phrase is not None:
        error["phrase"] = phrase
    return {"errors": [error]}


def error_response(status: int, message: str, phrases: PhraseMaker,
                   headers: dict[str, str] | None = None) -> Response:
    """A 5xx carries a phrase, as Asana's do; other statuses never do."""
    phrase = phrases.next() if status >= 500 else None
    return AsanaJSONResponse(error_body(message, phrase), status_code=status, headers=headers)


def fault_renderer(phrases: PhraseMaker) -> ErrorRenderer:
    """The `render_error` for `KnobsMiddleware`: an injected fault looks like Asana's own.

    429 uses the rate-limit page's documented message and always sends `Retry-After`
    (seconds, Asana's unit; 30 when the fault names none, as in the documented example).
    """

    def render(status: int, retry_after_seconds: int | None) -> Response:
        headers: dict[str, str] = {}
        if status == 429 or retry_after_seconds is not None:
            headers["Retry-After"] = str(retry_after_seconds if retry_after_seconds else 30)
        message = FAULT_MESSAGES.get(status) or HTTPStatus(status).phrase
        return error_response(status, message, phrases, headers)

    return render
