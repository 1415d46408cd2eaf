"""Replica of Google's OAuth 2.0 token endpoint and of the Bearer check in front of its APIs.

Two grants reach `POST /token` from google-auth, both form-encoded:
- `refresh_token` (installed/web apps): client id + secret + a long-lived refresh token buy
  an access token; a revoked refresh token is `400 invalid_grant` "Token has been expired or
  revoked.", the answer baton must treat as "stop this source", not as an outage.
- `urn:ietf:params:oauth:grant-type:jwt-bearer` (service accounts, domain-wide delegation):
  an RS256 JWT signed with the account's private key. What is verified here is listed in
  `_verify_assertion`'s docstring.

Token errors are OAuth's flat `{"error", "error_description"}` body, not the API envelope;
API calls without a live token get the Calendar guide's 401 `authError` envelope.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from google.auth.crypt import RSAVerifier
from starlette.responses import JSONResponse, Response

from sandbox.google_common import google_error
from sandbox.knobs import Knobs

ACCESS_TOKEN_LIFETIME_SECONDS = 3599
REFRESH_GRANT = "refresh_token"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# google-auth always signs `aud` as the production endpoint, whatever token_uri it posts to.
JWT_AUDIENCES = frozenset({"https://oauth2.googleapis.com/token",
                           "https://accounts.google.com/o/oauth2/token"})
JWT_MAX_LIFETIME_SECONDS = 3600
JWT_CLOCK_SKEW_SECONDS = 300
NO_STORE_HEADERS = {"Cache-Control": "no-cache, no-store, max-age=0, must-revalidate",
                    "Pragma": "no-cache"}


@dataclass
class RefreshGrant:
    client_id: str
    user: str
    scopes: tuple[str, ...]
    revoked: bool = False


@dataclass
class AccessGrant:
    """What an issued access token stands for: who, which scopes, until when."""

    token: str
    user: str
    scopes: frozenset[str]
    expires_at: datetime
    refresh_token: str | None = None


@dataclass
class ServiceAccount:
    """A service account key; `delegated_scopes` are what a Workspace admin allowed the
    account to use when impersonating users of `domain` (domain-wide delegation)."""

    client_email: str
    key_id: str
    public_key_pem: str
    delegated_scopes: frozenset[str] = frozenset()
    domain: str | None = None


class ApiRejection(Exception):
    """A finished Google error response travelling up to the route that returns it."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def respond(produce: Callable[[], dict[str, Any]]) -> Response:
    """Run a route body: its dict becomes a 200 JSON answer, a raised `ApiRejection` its
    error response (routers cannot register exception handlers; only apps can)."""
    try:
        return JSONResponse(produce(), media_type="application/json; charset=UTF-8")
    except ApiRejection as rejection:
        return rejection.response


def google_error_at(code: int, message: str, reason: str, *, location_type: str,
                    location: str, domain: str = "global") -> JSONResponse:
    """`google_error` plus the `locationType`/`location` pair the Calendar guide's errors
    carry (e.g. `parameter`/`timeMax`); google_common has no argument for them."""
    body = json.loads(bytes(google_error(code, message, reason, domain=domain).body))
    body["error"]["errors"][0].update(locationType=location_type, location=location)
    return JSONResponse(body, status_code=code)


def oauth_error(status: int, error: str, description: str) -> JSONResponse:
    """The token endpoint's own error body (RFC 6749 section 5.2 shape)."""
    return JSONResponse({"error": error, "error_description": description},
                        status_code=status, headers=NO_STORE_HEADERS)


@dataclass
class OAuthState:
    """Clients, refresh tokens, service-account keys and issued access tokens."""

    knobs: Knobs = field(default_factory=Knobs)
    clients: dict[str, str] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshGrant] = field(default_factory=dict)
    service_accounts: dict[str, ServiceAccount] = field(default_factory=dict)
    access_tokens: dict[str, AccessGrant] = field(default_factory=dict)
    _issued: int = 0

    def register_client(self, client_id: str, client_secret: str) -> None:
        self.clients[client_id] = client_secret

    def add_refresh_token(self, refresh_token: str, *, client_id: str, user: str,
                          scopes: Iterable[str]) -> None:
        if client_id not in self.clients:
            raise KeyError(f"register OAuth client {client_id!r} first")
        self.refresh_tokens[refresh_token] = RefreshGrant(client_id, user, tuple(scopes))

    def revoke_refresh_token(self, refresh_token: str) -> None:
        """Revoking also kills the access tokens bought with it, as Google does."""
        self.refresh_tokens[refresh_token].revoked = True
        for token in [t for t, g in self.access_tokens.items()
                      if g.refresh_token == refresh_token]:
            del self.access_tokens[token]

    def register_service_account(self, client_email: str, *, key_id: str, public_key_pem: str,
                                 delegated_scopes: Iterable[str] = (),
                                 domain: str | None = None) -> None:
        self.service_accounts[client_email] = ServiceAccount(
            client_email, key_id, public_key_pem, frozenset(delegated_scopes), domain)

    def issue_access_token(self, user: str, scopes: Iterable[str],
                           refresh_token: str | None = None) -> AccessGrant:
        """Mint a token (the grants use this; so do tests that skip the token endpoint)."""
        self._issued += 1
        token = f"ya29.a0sandbox{self._issued:06d}"
        expires_at = self.knobs.clock.now() + timedelta(seconds=ACCESS_TOKEN_LIFETIME_SECONDS)
        grant = AccessGrant(token, user, frozenset(scopes), expires_at, refresh_token)
        self.access_tokens[token] = grant
        return grant

    def expire_access_tokens(self) -> None:
        """Every issued token is now past its expiry: clients must refresh (401 first)."""
        for grant in self.access_tokens.values():
            grant.expires_at = self.knobs.clock.now()

    def require_bearer(self, request: Request, accepted_scopes: frozenset[str]) -> AccessGrant:
        """The grant behind `Authorization: Bearer <token>`, or an `ApiRejection`.

        A missing, unknown or expired token is 401 `authError` (with Google's
        `WWW-Authenticate` challenge, which google-auth-httplib2 does not need but other
        clients read); a live token without any of the method's scopes is 403.
        """
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        grant = self.access_tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if grant is None or grant.expires_at <= self.knobs.clock.now():
            response = google_error_at(401, "Invalid Credentials", "authError",
                                       location_type="header", location="Authorization")
            response.headers["WWW-Authenticate"] = (
                'Bearer realm="https://accounts.google.com/", error="invalid_token"')
            raise ApiRejection(response)
        if not grant.scopes & accepted_scopes:
            raise ApiRejection(google_error(403, "Request had insufficient authentication "
                                                 "scopes.", "insufficientPermissions"))
        return grant

    def authorizer(self, accepted_scopes: frozenset[str]) -> Callable[[Request], bool]:
        """The token check as a yes/no predicate, for replicas that render their own 401."""

        def authorized(request: Request) -> bool:
            try:
                self.require_bearer(request, accepted_scopes)
            except ApiRejection:
                return False
            return True

        return authorized


def _token_response(grant: AccessGrant, *, with_scope: bool) -> JSONResponse:
    body: dict[str, Any] = {"access_token": grant.token,
                            "expires_in": ACCESS_TOKEN_LIFETIME_SECONDS}
    if with_scope:
        body["scope"] = " ".join(sorted(grant.scopes))
    body["token_type"] = "Bearer"
    return JSONResponse(body, headers=NO_STORE_HEADERS)


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    """Client id/secret from the body (google-auth) or HTTP Basic (also accepted by Google)."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        return client_id, secret
    return form.get("client_id", ""), form.get("client_secret", "")


def _refresh(state: OAuthState, request: Request, form: dict[str, str]) -> JSONResponse:
    client_id, secret = _client_credentials(request, form)
    if client_id not in state.clients:
        return oauth_error(401, "invalid_client", "The OAuth client was not found.")
    if state.clients[client_id] != secret:
        return oauth_error(401, "invalid_client", "Unauthorized")
    if not form.get("refresh_token"):
        return oauth_error(400, "invalid_request", "Missing required parameter: refresh_token")
    grant = state.refresh_tokens.get(form["refresh_token"])
    if grant is None or grant.revoked:
        return oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
    if grant.client_id != client_id:
        return oauth_error(401, "unauthorized_client", "Unauthorized")
    requested = form.get("scope", "").split() or list(grant.scopes)
    if not set(requested) <= set(grant.scopes):
        return oauth_error(400, "invalid_scope", "Bad Request")
    issued = state.issue_access_token(grant.user, requested, form["refresh_token"])
    return _token_response(issued, with_scope=True)


def _b64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _decode_jwt(assertion: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """Header, claims, signing input and signature; ValueError if it is not a JWT."""
    parts = assertion.split(".")
    if len(parts) != 3:
        raise ValueError("not three segments")
    try:
        header, claims = json.loads(_b64url(parts[0])), json.loads(_b64url(parts[1]))
        signature = _b64url(parts[2])
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(str(exc)) from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise ValueError("segments are not JSON objects")
    return header, claims, f"{parts[0]}.{parts[1]}".encode(), signature


def _verify_assertion(state: OAuthState, assertion: str) -> JSONResponse | AccessGrant:
    """Check a service-account JWT the way Google's token endpoint does, in this order:

    1. three base64url JSON segments, `alg` RS256; 2. `iss` is a registered service
    account and `kid` (when present) is its key id; 3. the RS256 signature verifies
    with that key; 4. `aud` is Google's token endpoint; 5. `exp - iat` is at most an
    hour and now lies in [iat - 5 min, exp] (wall clock, not the knobs clock: the
    client signs with its own real clock); 6. `scope` is non-empty; 7. with `sub`
    (domain-wide delegation): the subject is in the account's domain and every
    requested scope was delegated to the account. Without `sub` the token acts as
    the service account itself.
    """
    try:
        header, claims, signing_input, signature = _decode_jwt(assertion)
    except ValueError:
        return oauth_error(400, "invalid_grant", "Invalid JWT: could not decode assertion.")
    account = state.service_accounts.get(str(claims.get("iss")))
    if header.get("alg") != "RS256" or account is None or header.get("kid", account.key_id) \
            != account.key_id:
        return oauth_error(400, "invalid_grant", "Invalid JWT Signature.")
    if not RSAVerifier.from_string(account.public_key_pem).verify(signing_input, signature):
        return oauth_error(400, "invalid_grant", "Invalid JWT Signature.")
    if claims.get("aud") not in JWT_AUDIENCES:
        return oauth_error(400, "invalid_grant", "Invalid JWT: Failed audience check.")
    iat, exp = claims.get("iat"), claims.get("exp")
    now = datetime.now(UTC).timestamp()
    if not (isinstance(iat, int) and isinstance(exp, int) and 0 < exp - iat
            <= JWT_MAX_LIFETIME_SECONDS and iat - JWT_CLOCK_SKEW_SECONDS <= now <= exp):
        return oauth_error(400, "invalid_grant", "Invalid JWT: Token must be a short-lived token "
                           "(60 minutes) and in a reasonable timeframe. Check your iat and exp "
                           "values in the JWT claim.")
    scopes = str(claims.get("scope", "")).split()
    if not scopes:
        return oauth_error(400, "invalid_scope",
                           "Invalid OAuth scope or ID token audience provided.")
    return _delegate(state, account, claims.get("sub"), scopes)


def _delegate(state: OAuthState, account: ServiceAccount, subject: object,
              scopes: list[str]) -> JSONResponse | AccessGrant:
    if subject is None:
        return state.issue_access_token(account.client_email, scopes)
    if not isinstance(subject, str) or account.domain is None \
            or not subject.endswith("@" + account.domain):
        return oauth_error(400, "invalid_grant", "Invalid email or User ID")
    if not set(scopes) <= account.delegated_scopes:
        return oauth_error(401, "unauthorized_client",
                           "Client is unauthorized to retrieve access tokens using this "
                           "method, or client not authorized for any of the scopes requested.")
    return state.issue_access_token(subject, scopes)


def router(state: OAuthState) -> APIRouter:
    """`POST /token`, as served by oauth2.googleapis.com."""
    api = APIRouter()

    @api.post("/token")
    async def token(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        grant_type = form.get("grant_type", "")
        if grant_type == REFRESH_GRANT:
            return _refresh(state, request, form)
        if grant_type == JWT_GRANT:
            verdict = _verify_assertion(state, form.get("assertion", ""))
            if isinstance(verdict, Response):
                return verdict
            return _token_response(verdict, with_scope=False)
        return oauth_error(400, "unsupported_grant_type", f"Invalid grant_type: {grant_type}")

    return api
