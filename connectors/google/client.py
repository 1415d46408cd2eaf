"""The Google SDK layer: credentials, one discovery client per API, and error sorting.

Everything that touches `google-api-python-client` / `google-auth` lives here, so
the stream code only sees pages (dicts) and the four `connectors.errors` kinds.

Retries: `execute(num_retries=0)` turns off the client library's own retry loop
and `CallPolicy` is the only one left, so a 429's `Retry-After` is honoured once
and attempts never multiply. google-auth still retries a 5xx from the token
endpoint by itself (three attempts with backoff, no switch to turn it off); a
refresh that fails even so stops the source instead of being retried again
(see `sort_refresh_error`). httplib2 reconnects once on a stale keep-alive
socket, which resends nothing the server has seen.
"""

from __future__ import annotations

import json
import ssl
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import google.auth.credentials
import httplib2
from google.auth.exceptions import RefreshError, TransportError
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import HttpRequest

from connectors.errors import ConnectorError, CursorExpired, Retriable, SourceStopped
from connectors.policy import CallPolicy, Scrubber, retry_after_seconds

PRODUCTION_ROOT = "https://www.googleapis.com/"
SCOPES = tuple(f"https://www.googleapis.com/auth/{s}" for s in (
    "calendar.readonly", "contacts.readonly", "tasks.readonly"))
APIS = {"calendar": "v3", "people": "v1", "tasks": "v1"}
MAX_TOKEN_REPEATS = 3
RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
EXPIRED_CURSOR_REASONS = frozenset({"EXPIRED_SYNC_TOKEN", "fullSyncRequired",
                                    "updatedMinTooLongAgo"})
QUOTA_REASONS = frozenset({"dailyLimitExceeded", "quotaExceeded", "RATE_LIMIT_EXCEEDED"})

CredentialsFactory = Callable[[], google.auth.credentials.Credentials]


@dataclass(frozen=True)
class OAuthAuth:
    """A user's refresh token (installed or web app); `token_uri` is configurable for the
    sandbox and proxies."""

    client_id: str
    client_secret: str
    refresh_token: str
    token_uri: str = "https://oauth2.googleapis.com/token"


@dataclass(frozen=True)
class ServiceAccountAuth:
    """A service-account key file; `subject` is the user to impersonate (domain-wide
    delegation). The token endpoint comes from the key file's `token_uri`."""

    key_file: str | Path
    subject: str | None = None


Auth = OAuthAuth | ServiceAccountAuth


def auth_from_mapping(values: Mapping[str, Any]) -> Auth:
    """The config's `auth:` block (`kind: oauth | service_account`) as an `Auth`."""
    fields = {k: v for k, v in values.items() if k != "kind"}
    if values.get("kind") == "oauth":
        return OAuthAuth(**fields)
    if values.get("kind") == "service_account":
        return ServiceAccountAuth(**fields)
    raise ValueError(f"unknown Google auth kind {values.get('kind')!r}")


def auth_secrets(auth: Auth | None) -> list[str]:
    """The values a Scrubber must hide (a key file's content never reaches a message)."""
    return [auth.client_secret, auth.refresh_token] if isinstance(auth, OAuthAuth) else []


def credentials_factory(auth: Auth) -> CredentialsFactory:
    """Credentials are built lazily, so a missing key file fails inside `pull` (where it is
    sorted as SourceStopped) and not while baton assembles its sources."""
    if isinstance(auth, OAuthAuth):
        return lambda: user_credentials.Credentials(
            token=None, refresh_token=auth.refresh_token, client_id=auth.client_id,
            client_secret=auth.client_secret, token_uri=auth.token_uri)
    return lambda: service_account.Credentials.from_service_account_file(
        str(auth.key_file), scopes=list(SCOPES), subject=auth.subject)


def api_endpoints(base_url: str) -> dict[str, str | None]:
    """`client_options.api_endpoint` per API, derived from one configured root.

    googleapiclient uses `api_endpoint` INSTEAD of the discovery document's rootUrl +
    servicePath. Calendar's servicePath is `calendar/v3/` and its method paths are
    relative to it (`calendars/{calendarId}/events`), so it needs `root + "calendar/v3/"`.
    People (`v1/{+resourceName}/connections`) and Tasks (`tasks/v1/lists/...`) have an
    empty servicePath and carry their version in the method path, so they take the root
    itself. For the production root, None keeps each document's own host (People and
    Tasks live on people.googleapis.com and tasks.googleapis.com).
    """
    root = base_url if base_url.endswith("/") else base_url + "/"
    if root == PRODUCTION_ROOT:
        return {"calendar": None, "people": None, "tasks": None}
    return {"calendar": root + "calendar/v3/", "people": root, "tasks": root}


def _error_body(exc: HttpError) -> tuple[set[str], str]:
    """Reasons (`errors[].reason`, `details[].reason`) and `status` of a Google error body."""
    try:
        body = json.loads(exc.content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, AttributeError):
        return set(), ""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return set(), ""
    items = [*(error.get("errors") or []), *(error.get("details") or [])]
    reasons = {str(i["reason"]) for i in items if isinstance(i, dict) and i.get("reason")}
    return reasons, str(error.get("status") or "")


def sort_http_error(exc: HttpError, what: str) -> ConnectorError:
    """One place that decides what a Google HTTP error means for sync."""
    status = exc.resp.status
    reasons, grpc_status = _error_body(exc)
    message = f"{what} answered HTTP {status} ({', '.join(sorted(reasons)) or grpc_status})"
    retry_after = _retry_after(exc)
    if reasons & EXPIRED_CURSOR_REASONS or status == 410:
        return CursorExpired(message)
    if status == 429 or (status == 403 and reasons & RATE_LIMIT_REASONS):
        return Retriable(message, status=status, retry_after_seconds=retry_after,
                         rejected=True)
    if status >= 500:
        return Retriable(message, status=status, retry_after_seconds=retry_after,
                         rejected=status == 503)
    return SourceStopped(message, action=_action(status, reasons))


def _retry_after(exc: HttpError) -> float | None:
    return retry_after_seconds(exc.resp.get("retry-after"))


def _action(status: int, reasons: set[str]) -> str:
    if status == 401:
        return "re-authorise: the refresh token or service-account delegation is no longer valid"
    if "accessNotConfigured" in reasons or "SERVICE_DISABLED" in reasons:
        return "enable this API in the Google Cloud project of the OAuth client"
    if reasons & QUOTA_REASONS:
        return "the API quota is exhausted; the next run resumes from the kept cursors"
    if status == 403:
        return "grant the read-only Calendar, Contacts and Tasks scopes to the credentials"
    if status == 404:
        return "check the calendar ids in the config and that they are shared with the account"
    return "check the source configuration; this request was refused as sent"


def sort_refresh_error(exc: RefreshError, what: str) -> ConnectorError:
    """A refused token refresh. `invalid_grant` is a revoked or expired refresh token (or a
    delegation the admin withdrew): renewing it is a human's job. A retryable refusal
    was already retried by google-auth itself, so it stops the source for this run
    rather than multiplying attempts."""
    data = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], dict) else {}
    code = str(data.get("error") or "refused")
    if exc.retryable:
        return SourceStopped(f"{what}: token endpoint unavailable ({code})",
                             action="retry later; google-auth already retried the refresh")
    return SourceStopped(f"{what}: token refresh refused ({code})",
                         action="renew the Google credentials (refresh token or "
                                "service-account delegation) and update the source's auth")


class PageTokens:
    """Follows `nextPageToken`; raises when the API keeps serving the same token.

    Google may return an empty page that still carries a token (follow it); the sandbox
    reproduces that by re-serving the token just used, so a token may come back a few
    times before it counts as a loop.
    """

    def __init__(self, what: str) -> None:
        self.what = what
        self.seen: Counter[str] = Counter()

    def check(self, token: str) -> None:
        self.seen[token] += 1
        if self.seen[token] > MAX_TOKEN_REPEATS:
            raise SourceStopped(f"{self.what}: the same page token came back "
                                f"{self.seen[token]} times (paging loop)",
                                action="retry later; report to Google if it persists")


class GoogleClient:
    """Discovery clients over one authorised httplib2 connection with a timeout."""

    def __init__(self, *, source: str, base_url: str, credentials: CredentialsFactory,
                 timeout_seconds: float, policy: CallPolicy, scrubber: Scrubber) -> None:
        self.source = source
        self.base_url = base_url
        self.policy = policy
        self.scrubber = scrubber
        self._make_credentials = credentials
        self._timeout_seconds = timeout_seconds
        self._http: AuthorizedHttp | None = None
        self._services: dict[str, Any] = {}

    def service(self, api: str) -> Any:
        """The discovery client of `api` (calendar, people, tasks), built on first use."""
        if api not in self._services:
            endpoint = api_endpoints(self.base_url)[api]
            options = {"api_endpoint": endpoint} if endpoint else None
            self._services[api] = build(api, APIS[api], http=self._authorized_http(),
                                        static_discovery=True, client_options=options,
                                        cache_discovery=False)
        return self._services[api]

    def _authorized_http(self) -> AuthorizedHttp:
        if self._http is None:
            try:
                credentials = self._make_credentials()
            except (OSError, ValueError) as exc:
                raise SourceStopped(f"{self.source}: cannot load Google credentials "
                                    f"({type(exc).__name__})",
                                    action="check auth.key_file") from None
            self._http = AuthorizedHttp(credentials,
                                        http=httplib2.Http(timeout=self._timeout_seconds))
        return self._http

    def pages(self, api: str, make: Callable[[str | None], HttpRequest]) -> Iterator[dict]:
        """Every page of a list call: `make(page_token)` builds the request for one page."""
        tokens = PageTokens(f"{self.source}: Google {api}")
        token: str | None = None
        while True:
            page = self.execute(api, make(token))
            yield page
            token = page.get("nextPageToken")
            if not token:
                return
            tokens.check(token)

    def execute(self, api: str, request: HttpRequest) -> dict:
        """One call through the retry policy; SDK errors leave here already sorted."""
        return self.policy.call(lambda: self._execute_once(api, request))

    def _execute_once(self, api: str, request: HttpRequest) -> dict:
        what = f"{self.source}: Google {api} {request.method} {urlsplit(request.uri).path}"
        try:
            page = request.execute(num_retries=0)
            if isinstance(page, dict):
                return page
            # googleapiclient hands back the raw text when a body is not JSON (cut off).
            error: ConnectorError = Retriable(f"{what}: the response was not a complete "
                                              f"JSON object (truncated?)")
        except HttpError as exc:
            error = sort_http_error(exc, what)
        except RefreshError as exc:
            error = sort_refresh_error(exc, what)
        except ssl.SSLCertVerificationError:
            error = SourceStopped(f"{what}: TLS certificate not trusted",
                                  action="check base_url and the CA bundle")
        except (TransportError, httplib2.HttpLib2Error, OSError) as exc:
            error = Retriable(f"{what}: {type(exc).__name__} (network or timeout)")
        raise self._scrubbed(error) from None

    def _scrubbed(self, error: ConnectorError) -> ConnectorError:
        """The same error with secrets (including the live access token) removed."""
        token = getattr(self._http.credentials, "token", None) if self._http else None
        scrub = Scrubber.of([*self.scrubber.secrets, token])
        if isinstance(error, SourceStopped):
            text = str(error).removesuffix(f"; {error.action}")
            return SourceStopped(scrub(text), action=scrub(error.action))
        if isinstance(error, Retriable):
            return Retriable(scrub(str(error)), status=error.status,
                             retry_after_seconds=error.retry_after_seconds,
                             rejected=error.rejected)
        return type(error)(scrub(str(error)))
