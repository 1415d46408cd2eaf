"""The Google OAuth token endpoint replica: both grants, every error body, the Bearer check.

Service-account tests sign real RS256 JWTs with a throwaway key, through google-auth's own
service-account credentials where possible, so the replica checks what the SDK really sends.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import google.auth.transport.requests
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from google.auth import crypt, jwt
from google.auth.exceptions import RefreshError
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account
from starlette.requests import Request

from sandbox.google_calendar import CalendarState, create_app
from sandbox.google_oauth import JWT_GRANT, OAuthState
from sandbox.knobs import Clock, Knobs
from sandbox.server import running

NOW = datetime(2026, 3, 12, 7, 26, 40, tzinfo=UTC)
READONLY = "https://www.googleapis.com/auth/calendar.readonly"
TASKS = "https://www.googleapis.com/auth/tasks.readonly"
SA_EMAIL = "baton-sync@agency-project.iam.gserviceaccount.com"
EVENTS_PATH = "/calendar/v3/calendars/primary/events"


def _pem_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


PRIVATE_PEM, PUBLIC_PEM = _pem_pair()
OTHER_PRIVATE_PEM, _ = _pem_pair()


@pytest.fixture
def state() -> CalendarState:
    oauth = OAuthState(knobs=Knobs(clock=Clock(NOW)))
    oauth.register_client("client-1.apps.googleusercontent.com", "s3cret")
    oauth.register_client("client-2.apps.googleusercontent.com", "other")
    oauth.add_refresh_token("1//rt-ana", client_id="client-1.apps.googleusercontent.com",
                            user="ana@agency.example", scopes=[READONLY])
    oauth.register_service_account(SA_EMAIL, key_id="kid-1", public_key_pem=PUBLIC_PEM,
                                   delegated_scopes=[READONLY], domain="agency.example")
    calendar = CalendarState(oauth)
    calendar.add_calendar("ana@agency.example", time_zone="Europe/Madrid")
    return calendar


@pytest.fixture
def client(state: CalendarState) -> TestClient:
    return TestClient(create_app(state))


def _refresh(client: TestClient, **overrides: str) -> Any:
    form = {"grant_type": "refresh_token", "client_id": "client-1.apps.googleusercontent.com",
            "client_secret": "s3cret", "refresh_token": "1//rt-ana"} | overrides
    return client.post("/token", data={k: v for k, v in form.items() if v != "-"})


def _assertion(claims: dict[str, Any], key_pem: str = PRIVATE_PEM, kid: str = "kid-1") -> str:
    now = int(time.time())
    payload = {"iss": SA_EMAIL, "aud": "https://oauth2.googleapis.com/token",
               "scope": READONLY, "iat": now, "exp": now + 3600} | claims
    signer = crypt.RSASigner.from_string(key_pem, kid)
    return jwt.encode(signer, {k: v for k, v in payload.items() if v is not None}).decode()


def _jwt_grant(client: TestClient, claims: dict[str, Any], **kwargs: str) -> Any:
    return client.post("/token", data={"grant_type": JWT_GRANT,
                                       "assertion": _assertion(claims, **kwargs)})


def test_refresh_grant_returns_bearer_token_with_scope(client: TestClient) -> None:
    response = _refresh(client)
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["access_token", "expires_in", "scope", "token_type"]
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3599
    assert body["scope"] == READONLY and body["access_token"].startswith("ya29.")
    assert "no-store" in response.headers["cache-control"]
    events = client.get(EVENTS_PATH, headers={"Authorization": f"Bearer {body['access_token']}"})
    assert events.status_code == 200


def test_refresh_grant_accepts_http_basic_client_authentication(client: TestClient) -> None:
    response = client.post("/token", auth=("client-1.apps.googleusercontent.com", "s3cret"),
                           data={"grant_type": "refresh_token", "refresh_token": "1//rt-ana"})
    assert response.status_code == 200


@pytest.mark.parametrize(("overrides", "status", "error", "description"), [
    ({"refresh_token": "1//never-issued"}, 400, "invalid_grant",
     "Token has been expired or revoked."),
    ({"client_id": "nobody"}, 401, "invalid_client", "The OAuth client was not found."),
    ({"client_secret": "wrong"}, 401, "invalid_client", "Unauthorized"),
    ({"refresh_token": "-"}, 400, "invalid_request", "Missing required parameter: refresh_token"),
    ({"client_id": "client-2.apps.googleusercontent.com", "client_secret": "other"}, 401,
     "unauthorized_client", "Unauthorized"),
    ({"scope": TASKS}, 400, "invalid_scope", "Bad Request"),
    ({"grant_type": "password"}, 400, "unsupported_grant_type", "Invalid grant_type: password"),
])
def test_refresh_grant_errors_use_the_oauth_error_body(
        client: TestClient, overrides: dict[str, str], status: int, error: str,
        description: str) -> None:
    response = _refresh(client, **overrides)
    assert response.status_code == status
    assert response.json() == {"error": error, "error_description": description}


def test_revoked_refresh_token_is_invalid_grant_and_kills_its_access_tokens(
        client: TestClient, state: CalendarState) -> None:
    token = _refresh(client).json()["access_token"]
    state.oauth.revoke_refresh_token("1//rt-ana")
    assert _refresh(client).json() == {"error": "invalid_grant",
                                       "error_description": "Token has been expired or revoked."}
    assert client.get(EVENTS_PATH, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_google_auth_refresh_error_carries_invalid_grant(state: CalendarState) -> None:
    state.oauth.revoke_refresh_token("1//rt-ana")
    with running(create_app(state)) as server:
        creds = user_credentials.Credentials(
            token=None, refresh_token="1//rt-ana", client_id="client-1.apps.googleusercontent.com",
            client_secret="s3cret", token_uri=server.base_url + "/token")
        with pytest.raises(RefreshError, match="invalid_grant") as raised:
            creds.refresh(google.auth.transport.requests.Request())
    assert raised.value.retryable is False


def test_service_account_with_delegation_gets_a_token_for_the_subject(
        state: CalendarState) -> None:
    with running(create_app(state)) as server:
        creds = service_account.Credentials.from_service_account_info(
            {"client_email": SA_EMAIL, "private_key": PRIVATE_PEM, "private_key_id": "kid-1",
             "token_uri": server.base_url + "/token"},
            scopes=[READONLY], subject="ana@agency.example")
        creds.refresh(google.auth.transport.requests.Request())
    grant = state.oauth.access_tokens[creds.token]
    assert grant.user == "ana@agency.example" and grant.scopes == {READONLY}


def test_jwt_grant_answer_has_no_scope(client: TestClient) -> None:
    response = _jwt_grant(client, {"sub": "ana@agency.example"})
    assert response.status_code == 200
    assert list(response.json()) == ["access_token", "expires_in", "token_type"]


def test_service_account_without_subject_acts_as_itself(client: TestClient,
                                                        state: CalendarState) -> None:
    token = _jwt_grant(client, {}).json()["access_token"]
    assert state.oauth.access_tokens[token].user == SA_EMAIL


EXPIRED = int(time.time()) - 7200


@pytest.mark.parametrize(("claims", "kwargs", "status", "error", "description_start"), [
    ({"sub": "ana@agency.example"}, {"key_pem": OTHER_PRIVATE_PEM}, 400, "invalid_grant",
     "Invalid JWT Signature."),
    ({"iss": "stranger@x.iam.gserviceaccount.com"}, {}, 400, "invalid_grant",
     "Invalid JWT Signature."),
    ({}, {"kid": "kid-rotated-away"}, 400, "invalid_grant", "Invalid JWT Signature."),
    ({"aud": "https://example.com/token"}, {}, 400, "invalid_grant",
     "Invalid JWT: Failed audience check."),
    ({"iat": EXPIRED, "exp": EXPIRED + 3600}, {}, 400, "invalid_grant",
     "Invalid JWT: Token must be a short-lived token"),
    ({"exp": int(time.time()) + 7200}, {}, 400, "invalid_grant",
     "Invalid JWT: Token must be a short-lived token"),
    ({"scope": None}, {}, 400, "invalid_scope", "Invalid OAuth scope"),
    ({"sub": "eve@elsewhere.example"}, {}, 400, "invalid_grant", "Invalid email or User ID"),
    ({"sub": "ana@agency.example", "scope": TASKS}, {}, 401, "unauthorized_client",
     "Client is unauthorized to retrieve access tokens"),
])
def test_jwt_grant_rejections(client: TestClient, claims: dict[str, Any],
                              kwargs: dict[str, str], status: int, error: str,
                              description_start: str) -> None:
    response = _jwt_grant(client, claims, **kwargs)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["error_description"].startswith(description_start)


def test_jwt_grant_rejects_a_non_jwt(client: TestClient) -> None:
    response = client.post("/token", data={"grant_type": JWT_GRANT, "assertion": "abc.def"})
    assert response.json()["error"] == "invalid_grant"


@pytest.fixture
def bearer(state: CalendarState) -> Iterator[str]:
    yield state.oauth.issue_access_token("ana@agency.example", [READONLY]).token


def _error(response: Any) -> dict[str, Any]:
    return json.loads(response.content)["error"]


@pytest.mark.parametrize("header", [None, "Bearer ya29.unknown", "Basic abc"])
def test_api_without_a_live_token_is_401_auth_error(client: TestClient,
                                                    header: str | None) -> None:
    response = client.get(EVENTS_PATH, headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    error = _error(response)
    assert error["code"] == 401 and error["message"] == "Invalid Credentials"
    assert error["errors"] == [{"message": "Invalid Credentials", "domain": "global",
                                "reason": "authError", "locationType": "header",
                                "location": "Authorization"}]
    assert response.headers["www-authenticate"].startswith('Bearer realm=')


def test_expired_access_token_is_401_until_refreshed(client: TestClient, state: CalendarState,
                                                     bearer: str) -> None:
    headers = {"Authorization": f"Bearer {bearer}"}
    assert client.get(EVENTS_PATH, headers=headers).status_code == 200
    state.knobs.clock.advance(timedelta(seconds=3600))
    assert client.get(EVENTS_PATH, headers=headers).status_code == 401
    fresh = _refresh(client).json()["access_token"]
    state.oauth.expire_access_tokens()
    assert client.get(EVENTS_PATH, headers={"Authorization": f"Bearer {fresh}"}).status_code == 401


def test_token_without_calendar_scope_is_403(client: TestClient, state: CalendarState) -> None:
    token = state.oauth.issue_access_token("ana@agency.example", [TASKS]).token
    response = client.get(EVENTS_PATH, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert _error(response)["errors"][0]["reason"] == "insufficientPermissions"


def test_authorizer_predicate_for_other_replicas(state: CalendarState, bearer: str) -> None:
    authorized = state.oauth.authorizer(frozenset({READONLY}))
    scope = {"type": "http", "headers": [(b"authorization", f"Bearer {bearer}".encode())]}
    assert authorized(Request(scope)) is True
    assert authorized(Request({"type": "http", "headers": []})) is False
