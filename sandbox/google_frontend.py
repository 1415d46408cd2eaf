"""What Google's front end does the same way for every API replica of People and Tasks.

The 401 answer when the token check fails, the HTML 404 page for a path no API serves, error
bodies that `google_common.google_error` cannot express yet (google.rpc `details`, extra keys
such as `extendedHelp`), and the truncated-body fault. Candidates to move into
`google_common` when the Google replicas are assembled into one app.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from sandbox import google_common
from sandbox.knobs import Knobs

Authorize = Callable[[Request], bool]

MISSING_CREDENTIALS = "Request is missing required authentication credential."
INVALID_CREDENTIALS = "Request had invalid authentication credentials."
CREDENTIALS_HINT = (" Expected OAuth 2 access token, login cookie or other valid authentication "
                    "credential. See "
                    "https://developers.google.com/identity/sign-in/web/devconsole-project.")


def bearer_present(request: Request) -> bool:
    """Stand-in token check: any non-empty Bearer token passes (the assembled Google app
    swaps in the OAuth replica's check)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())


def auth_failure(request: Request, authorize: Authorize, *, old_style: bool) -> Response | None:
    """None when authorised, else Google's 401: Tasks (old style) with an `errors` list,
    People (new style) with `details` instead."""
    if authorize(request):
        return None
    missing = not request.headers.get("authorization")
    if old_style:
        message, reason = ("Login Required.", "required") if missing else (
            "Invalid Credentials", "authError")
        response = google_common.google_error(401, message, reason)
    else:
        message = (MISSING_CREDENTIALS if missing else INVALID_CREDENTIALS) + CREDENTIALS_HINT
        response = google_common.google_error(401, message, "unauthorized",
                                              include_errors=False)
        if missing:
            response = amend_error(response, details=[{
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "CREDENTIALS_MISSING", "domain": "googleapis.com"}])
    challenge = 'Bearer realm="https://accounts.google.com/"'
    response.headers["WWW-Authenticate"] = challenge + ("" if missing else
                                                        ', error="invalid_token"')
    return response


def amend_error(response: JSONResponse, *, details: list[dict[str, Any]] | None = None,
                first_error_extra: dict[str, str] | None = None) -> JSONResponse:
    """Add what `google_common.google_error` cannot express yet: google.rpc `details` (new
    style APIs) and extra keys on `errors[0]` such as `extendedHelp`."""
    body = json.loads(bytes(response.body))
    if details:
        body["error"]["details"] = details
    if first_error_extra:
        body["error"]["errors"][0].update(first_error_extra)
    retry_after = response.headers.get("retry-after")
    return JSONResponse(body, status_code=response.status_code,
                        headers={"Retry-After": retry_after} if retry_after else None)


def encode_token(payload: dict[str, Any]) -> str:
    """An opaque page or sync token carrying `payload` (compact JSON, URL-safe base64)."""
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> dict[str, Any] | None:
    """The payload of a token this replica issued, or None for anything else."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def json_or_truncated(knobs: Knobs, body: dict[str, Any], path: str) -> Response:
    """The page, or (truncated fault) its first half: a body cut off mid-transfer."""
    if knobs.take("truncated", path) is None:
        return JSONResponse(body)
    raw = json.dumps(body).encode()
    return Response(raw[: max(1, len(raw) // 2)], media_type="application/json")


def install_not_found_page(app: FastAPI) -> None:
    """Google's front end answers a path (or method) no API serves with an HTML 404 page,
    not a JSON envelope; so does the replica."""

    async def not_found(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code not in (404, 405):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        return google_common.not_found_page(request.url.path)

    app.add_exception_handler(StarletteHTTPException, not_found)  # type: ignore[arg-type]
