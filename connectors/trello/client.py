"""py-trello pointed at a configurable base URL, with every failure sorted once.

py-trello 0.20.1 is a thin wrapper: `TrelloClient.fetch_json` signs the request
(OAuth1 `Authorization` header when given a token, so key and token never sit
in a URL), sends it through `http_service` and decodes the JSON. It has three
gaps this module fills, each in one place:

- the API root `https://api.trello.com/1/` is hard-coded, so `BaseUrlSession`
  rewrites that prefix to the configured base URL (sandbox, proxies);
- it passes no timeout, so the session adds one to every call;
- its exceptions keep only the status and embed the response body in the
  message, so the session raises `requests.HTTPError` itself (the response,
  with its `Retry-After`, stays reachable) and `_sorted` turns that into one of
  the four connector errors with a message built from status, method and path.

py-trello and `requests` retry nothing on their own (the adapter's
`max_retries` is 0), so `CallPolicy` is the only retry loop and a 429 waits
once. py-trello's model classes (`Card.from_json` raises a bare `Exception` on
a record without `id` and drops fields) are not used: a bad record must be
quarantined, not lose its page, and `raw` must be the payload as received.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import requests
import trello

from connectors.errors import CursorExpired, Retriable, SourceStopped
from connectors.policy import CallPolicy, Scrubber, retry_after_seconds

TRELLO_ROOT = "https://api.trello.com/1/"
RATE_LIMIT_WINDOW_SECONDS = 10.0
"""Trello's limits are per 10 s window and its 429 usually has no Retry-After:
waiting one window is the documented way back in."""
RATE_LIMIT_CODES = frozenset({"API_TOKEN_LIMIT_EXCEEDED", "API_KEY_LIMIT_EXCEEDED"})
SIGNING_LOGGERS = ("requests_oauthlib.oauth1_auth", "oauthlib.oauth1.rfc5849",
                   "oauthlib.oauth1.rfc5849.signature", "urllib3.connectionpool")
"""Loggers that print the OAuth header or the request target at DEBUG level."""
Params = Mapping[str, str | int]


class BaseUrlSession(requests.Session):
    """The `http_service` py-trello calls: base URL, timeout, errors as HTTPError.

    `trust_env` is off so that proxy variables, `.netrc` credentials and CA
    bundle variables of the host cannot silently reroute or re-authenticate
    calls meant for the configured base URL.
    """

    def __init__(self, base_url: str, timeout_seconds: float) -> None:
        super().__init__()
        self.trust_env = False
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout_seconds = timeout_seconds

    def request(self, method: str | bytes, url: str | bytes,  # type: ignore[override]
                *args: Any, **kwargs: Any) -> requests.Response:
        if isinstance(url, str) and url.startswith(TRELLO_ROOT):
            url = self.base_url + url[len(TRELLO_ROOT):]
        kwargs["timeout"] = self.timeout_seconds
        response = super().request(method, url, *args, **kwargs)
        response.raise_for_status()
        return response


class _ScrubLogRecords(logging.Filter):
    """Rewrites a third-party log record through the scrubber before any handler sees it."""

    def __init__(self, scrub: Scrubber) -> None:
        super().__init__()
        self.scrub = scrub

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.scrub(record.getMessage())
        record.args = None
        return True


_scrubbed_secret_sets: set[tuple[str, ...]] = set()


def scrub_third_party_logs(scrub: Scrubber) -> None:
    """requests-oauthlib logs the signed `Authorization` header (key and token) at
    DEBUG; a filter on exactly those loggers keeps `--debug` runs secret-free."""
    secrets = tuple(scrub.secrets)
    if secrets in _scrubbed_secret_sets:
        return
    _scrubbed_secret_sets.add(secrets)
    for name in SIGNING_LOGGERS:
        logging.getLogger(name).addFilter(_ScrubLogRecords(scrub))


class TrelloApi:
    """GET-only access to Trello through py-trello, retried by `CallPolicy`."""

    def __init__(self, source: str, base_url: str, key: str, token: str,
                 timeout_seconds: float, policy: CallPolicy) -> None:
        self.source = source
        self.policy = policy
        self.scrub = Scrubber.of([key, token])
        scrub_third_party_logs(self.scrub)
        self._sdk = trello.TrelloClient(api_key=key, api_secret=None, token=token,
                                        http_service=BaseUrlSession(base_url, timeout_seconds))

    def get(self, path: str, params: Params | None = None, *, missing_ok: bool = False,
            cursor_param: str | None = None, expect: type = dict) -> Any:
        """One GET whose JSON must be an `expect` (object or array); `None` for a 404
        when `missing_ok`. A 400 naming `cursor_param` is `CursorExpired`; a 429
        that outlasts every retry stops the source."""

        def once() -> Any:
            query = {name: str(value) for name, value in (params or {}).items()}
            try:
                body = self._sdk.fetch_json(path, query_params=query)
            except requests.HTTPError as exc:
                if missing_ok and _is_missing_record(exc.response):
                    return None
                raise self._sorted(path, exc.response, cursor_param) from None
            except requests.Timeout:
                raise Retriable(self._message(path, "timed out")) from None
            except requests.ConnectionError:
                raise Retriable(self._message(path, "connection failed")) from None
            except requests.JSONDecodeError:
                raise Retriable(self._message(path, "truncated or invalid JSON")) from None
            except trello.ResourceUnavailable as exc:  # a non-200 success status
                raise Retriable(self._message(path, f"unexpected HTTP {exc._status}")) from None
            if not isinstance(body, expect):  # a proxy's error page, a cut-off answer
                raise Retriable(self._message(path, f"answer is not a JSON {expect.__name__}"))
            return body

        try:
            return self.policy.call(once)
        except Retriable as exc:
            if exc.status == 429:
                raise SourceStopped(f"{exc} (still after {self.policy.max_attempts} attempts)",
                                    action="Trello's rate limit is exhausted; the next sync "
                                           "resumes from the last committed cursor") from None
            raise

    def get_list(self, path: str, params: Params | None = None, *,
                 cursor_param: str | None = None) -> list[Any]:
        """A GET whose answer must be a JSON array (every Trello listing is one)."""
        body: list[Any] = self.get(path, params, cursor_param=cursor_param, expect=list)
        return body

    def _message(self, path: str, what: str) -> str:
        return self.scrub(f"{self.source}: GET {path}: {what}")

    def _sorted(self, path: str, response: requests.Response | None,
                cursor_param: str | None) -> Exception:
        """The one place a Trello error status becomes a connector error."""
        if response is None:
            return Retriable(self._message(path, "no response"))
        status, text = response.status_code, response.text.strip()
        if status == 401:
            return self._unauthorized(path, text)
        if status == 429:
            code = _rate_limit_code(text)
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            return Retriable(self._message(path, f"HTTP 429 {code}"), status=429,
                             retry_after_seconds=RATE_LIMIT_WINDOW_SECONDS if wait is None
                             else wait, rejected=True)
        if status == 400 and cursor_param and f"invalid value for {cursor_param}" in text:
            return CursorExpired(self._message(path, f"HTTP 400: {cursor_param} rejected"))
        if status == 408 or status >= 500:
            return Retriable(self._message(path, f"HTTP {status}"), status=status,
                             retry_after_seconds=retry_after_seconds(
                                 response.headers.get("Retry-After")),
                             rejected=status == 503)
        if status == 404 and text.startswith("Cannot "):
            return SourceStopped(self._message(path, "HTTP 404: no such route"),
                                 action="check the source's base_url (it should end in /1)")
        return SourceStopped(self._message(path, f"HTTP {status}"),
                             action="check the board ids configured for this source")

    def _unauthorized(self, path: str, text: str) -> SourceStopped:
        if text == "invalid key":
            return SourceStopped(self._message(path, "HTTP 401 invalid key"),
                                 action="set a valid Trello API key for this source")
        if text == "invalid token":
            return SourceStopped(self._message(path, "HTTP 401 invalid token"),
                                 action="renew the Trello token (revoked or expired)")
        return SourceStopped(self._message(path, "HTTP 401 unauthorized"),
                             action="grant the token read access to this board or remove "
                                    "the board from the source's config")


def _is_missing_record(response: requests.Response | None) -> bool:
    """A 404 about a record, not Express's `Cannot GET` for a route that does not
    exist (a wrong base URL must stop the source, never look like deletions)."""
    return (response is not None and response.status_code == 404
            and not response.text.startswith("Cannot "))


def _rate_limit_code(text: str) -> str:
    """`API_TOKEN_LIMIT_EXCEEDED` or `API_KEY_LIMIT_EXCEEDED` from the JSON body, if
    it is one of those (anything else is not echoed)."""
    try:
        body = json.loads(text)
    except ValueError:
        return "rate limited"
    code = body.get("error") if isinstance(body, dict) else None
    return code if code in RATE_LIMIT_CODES else "rate limited"
