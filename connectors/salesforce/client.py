"""simple-salesforce calls, their timeouts and TLS, and the one place its errors are sorted.

Three things the SDK does not do for us:

* **Timeouts.** simple-salesforce passes no `timeout` to `requests` for most
  calls (query, query_more, login). `DefaultTimeoutAdapter` is mounted for
  https:// and http:// on the session it is handed, and fills in
  (connect, read) = (timeout_seconds, timeout_seconds) for every request that
  did not bring its own, so every call, login included, is bounded.
* **TLS trust.** `requests` lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override
  `session.verify` when `session.trust_env` is true (the default), so a
  configured `ca_bundle` would silently lose to the environment. With a
  `ca_bundle` the session gets `trust_env = False` (which also keeps
  environment proxies away, as proxies would then need to come from config).
* **Retry-After.** The SDK's exceptions carry status and body but no headers,
  so a response hook remembers the last response's `Retry-After`.

The SDK does not retry by itself (apart from re-logging-in on 401 for
password/JWT sessions), and the adapter has `max_retries=0`, so the only
retries are `CallPolicy`'s: a 503 with Retry-After is waited out once per
attempt, never multiplied.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceError

from connectors.errors import ConnectorError, CursorExpired, Retriable, SourceStopped
from connectors.policy import CallPolicy, Scrubber, retry_after_seconds

log = logging.getLogger("connectors.salesforce")
T = TypeVar("T")
MAX_BATCH_SIZE = 2000  # Sforce-Query-Options batchSize: the documented maximum
QUERY_OPTIONS = {"Sforce-Query-Options": f"batchSize={MAX_BATCH_SIZE}"}
BUG_CODES = frozenset({"MALFORMED_QUERY", "INVALID_FIELD", "INVALID_TYPE",
                       "INVALID_QUERY_FILTER_OPERATOR"})


class QueryRejected(ConnectorError):
    """Salesforce refused our SOQL (400 MALFORMED_QUERY / INVALID_FIELD …): a bug in
    the connector, or a field hidden from the integration user by field-level
    security. Neither retrying nor re-listing can help, so it is not sorted into
    the four outcomes and ends the stream loudly."""


class PagingLoop(ConnectorError):
    """The API handed back a `nextRecordsUrl` it had already given: stop, never loop."""


@dataclass(frozen=True)
class Auth:
    """How to get a session. `kind` is session, password or jwt; secrets are plain str.

    session: session_id. password: username, password, security_token, domain.
    jwt: username, consumer_key, private_key_file, domain (login / test / My Domain).
    """

    kind: str
    session_id: str | None = None
    username: str | None = None
    password: str | None = None
    security_token: str | None = None
    consumer_key: str | None = None
    private_key_file: str | None = None
    domain: str | None = None

    def secrets(self) -> list[str | None]:
        return [self.session_id, self.password, self.security_token]

    def renew_action(self) -> str:
        if self.kind == "session":
            return "refresh the session id"
        return f"check the {self.kind} credentials of the integration user"

    def sdk_kwargs(self, instance_url: str) -> dict[str, Any]:
        """simple-salesforce's own login options for each kind.

        Only a session is bound to the configured instance_url. Password and JWT
        logins go to `https://{domain}.salesforce.com` and take the API host from
        the login answer; simple-salesforce's JWT login would even build its token
        URL as `https://{instance_url}.salesforce.com`, so a full URL must not be
        passed there (instance_url then only feeds deep links)."""
        if self.kind == "session":
            return {"session_id": self.session_id, "instance_url": instance_url}
        if self.kind == "password":
            return {"username": self.username, "password": self.password,
                    "security_token": self.security_token, "domain": self.domain}
        if self.kind == "jwt":
            return {"username": self.username, "consumer_key": self.consumer_key,
                    "privatekey_file": self.private_key_file, "domain": self.domain}
        raise ValueError(f"unknown Salesforce auth kind {self.kind!r}; "
                         "use session, password or jwt")


class DefaultTimeoutAdapter(HTTPAdapter):
    """An adapter that gives every request a timeout unless the caller chose one."""

    def __init__(self, timeout_seconds: float) -> None:
        super().__init__(max_retries=0)
        self.timeout_seconds = timeout_seconds

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: Any = None, verify: Any = True, cert: Any = None,
             proxies: Mapping[str, str] | None = None) -> requests.Response:
        if timeout is None:
            timeout = (self.timeout_seconds, self.timeout_seconds)
        return super().send(request, stream=stream, timeout=timeout, verify=verify,
                            cert=cert, proxies=proxies)


def build_session(timeout_seconds: float, ca_bundle: str | None) -> requests.Session:
    session = requests.Session()
    adapter = DefaultTimeoutAdapter(timeout_seconds)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    if ca_bundle:
        session.verify = ca_bundle
        session.trust_env = False  # else REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE win
    return session


class SalesforceClient:
    """One source's SDK client: thin calls, each retried through `CallPolicy`."""

    def __init__(self, source: str, instance_url: str, auth: Auth, *, ca_bundle: str | None,
                 api_version: str, timeout_seconds: float, policy: CallPolicy) -> None:
        self.source = source
        self.instance_url = instance_url.rstrip("/")
        self.auth = auth
        self.api_version = api_version
        self.policy = policy
        self.scrub = Scrubber.of(auth.secrets())
        self.session = build_session(timeout_seconds, ca_bundle)
        self.session.hooks["response"].append(self._remember)
        self._retry_after: str | None = None
        self._sf: Salesforce | None = None

    def _remember(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._retry_after = response.headers.get("Retry-After")

    def close(self) -> None:
        self.session.close()

    # -- calls ---------------------------------------------------------------------------

    def query_page(self, soql: str, *, include_deleted: bool) -> dict[str, Any]:
        """The first page of a query (queryAll when `include_deleted`)."""
        log.debug("%s: %s %s", self.source, "queryAll" if include_deleted else "query", soql)
        return self.policy.call(lambda: self._sorted(
            "GET query", lambda: self.sdk().query(soql, include_deleted=include_deleted,
                                                  headers=QUERY_OPTIONS)))

    def next_page(self, next_records_url: str) -> dict[str, Any]:
        """A follow-up page by the host-less `nextRecordsUrl` the previous page gave."""
        return self.policy.call(lambda: self._sorted(
            "GET query_more", lambda: self.sdk().query_more(
                next_records_url, identifier_is_url=True, headers=QUERY_OPTIONS)))

    def sdk(self) -> Salesforce:
        """Built on first use: password and JWT kinds log in inside the constructor,
        and building a connector must not touch the network."""
        if self._sf is None:
            self._sf = Salesforce(version=self.api_version, session=self.session,
                                  **self.auth.sdk_kwargs(self.instance_url))
        return self._sf

    # -- error sorting -------------------------------------------------------------------

    def _sorted(self, what: str, call: Callable[[], T]) -> T:
        """Run one SDK call and turn whatever it raises into a connector error."""
        self._retry_after = None
        try:
            return call()
        except SalesforceAuthenticationFailed as error:
            raise SourceStopped(f"{self.source}: Salesforce login failed "
                                f"({self.scrub(str(error.code))})",
                                action=self.auth.renew_action()) from None
        except SalesforceError as error:
            raise self._sort_api_error(what, error) from None
        except requests.exceptions.SSLError:
            raise SourceStopped(f"{self.source}: TLS verification of {self._host()} failed",
                                action="set ca_bundle to the CA that signed it") from None
        except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as error:
            raise Retriable(f"{self.source}: {what} to {self._host()} failed: "
                            f"{type(error).__name__}") from None
        except requests.exceptions.JSONDecodeError:
            raise Retriable(f"{self.source}: {what}: response body was not complete JSON"
                            ) from None

    def _host(self) -> str:
        return urlsplit(self.instance_url).netloc

    def _sort_api_error(self, what: str, error: SalesforceError) -> ConnectorError:
        code, message = _first_error(error.content)
        path = urlsplit(self.scrub(str(error.url))).path
        where = f"{self.source}: {what} {path} answered {error.status} {code}"
        if error.status == 401:
            return SourceStopped(f"{where}: the session is expired or revoked",
                                 action=self.auth.renew_action())
        if code == "REQUEST_LIMIT_EXCEEDED":
            return self._limit_error(where, message)
        if code == "INVALID_QUERY_LOCATOR":
            return CursorExpired(f"{where}: the query cursor expired; re-querying")
        if error.status in (429, 500, 502, 503, 504):
            return Retriable(where, status=error.status, rejected=error.status in (429, 503),
                             retry_after_seconds=retry_after_seconds(self._retry_after))
        if code in BUG_CODES:
            return QueryRejected(f"{where}: {self.scrub(message)[:300]} (a connector bug, or "
                                 "a field hidden from the integration user)")
        if error.status in (403, 404):
            return SourceStopped(where, action="check instance_url, api_version and that the "
                                               "integration user has API access")
        return ConnectorError(where)

    def _limit_error(self, where: str, message: str) -> ConnectorError:
        """A concurrency limit (`ConcurrentPerOrgLongTxn Limit exceeded.`) clears in
        seconds, so it is retried, honouring Retry-After when one is sent. Any
        other limit (`TotalRequests Limit exceeded.`: the rolling 24-hour quota)
        stops the source until it frees up; retrying would only burn more of it."""
        if message.startswith("Concurrent"):
            return Retriable(f"{where}: {message[:80]}", status=403, rejected=True,
                             retry_after_seconds=retry_after_seconds(self._retry_after))
        return SourceStopped(f"{where}: API request limit reached ({message[:40]})",
                             action="wait for the 24-hour limit to free up, or raise it")


def _first_error(content: object) -> tuple[str, str]:
    """Salesforce errors are a JSON array of {message, errorCode}."""
    if isinstance(content, list) and content and isinstance(content[0], dict):
        first = content[0]
        return str(first.get("errorCode", "UNKNOWN")), str(first.get("message", ""))
    return "UNKNOWN", ""
