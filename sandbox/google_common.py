"""Error bodies shared by the Google replicas (Calendar, People, Tasks, OAuth).

Google's JSON APIs answer errors in one envelope, `{"error": {"code",
"message", "errors": [{"domain", "reason", "message"}], "status"}}`; the
client library reads `reason` and `status` from it, so every Google replica
builds errors here and none hand-writes the envelope.
"""

from __future__ import annotations

import html

from starlette.responses import HTMLResponse, JSONResponse

STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    410: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


def google_error(code: int, message: str, reason: str, *, status: str | None = None,
                 domain: str = "global", retry_after_seconds: int | None = None,
                 include_errors: bool = True) -> JSONResponse:
    """A Google-style error response; `include_errors=False` for APIs (People)
    whose newer envelope carries `status` and `details` but no `errors` list."""
    body: dict[str, object] = {"code": code, "message": message}
    if include_errors:
        body["errors"] = [{"message": message, "domain": domain, "reason": reason}]
    body["status"] = status or STATUS_NAMES.get(code, "UNKNOWN")
    headers = {"Retry-After": str(retry_after_seconds)} if retry_after_seconds else None
    return JSONResponse({"error": body}, status_code=code, headers=headers)


def render_fault(status: int, retry_after_seconds: int | None) -> JSONResponse:
    """What a queued status fault looks like coming from any Google API."""
    reasons = {429: "rateLimitExceeded", 503: "backendError", 500: "backendError"}
    messages = {429: "Rate Limit Exceeded", 503: "Service unavailable", 500: "Backend Error"}
    return google_error(status, messages.get(status, "Error"), reasons.get(status, "error"),
                        retry_after_seconds=retry_after_seconds)


NOT_FOUND_PAGE = """<!DOCTYPE html>
<html lang=en>
  <meta charset=utf-8>
  <title>Error 404 (Not Found)!!1</title>
  <p><b>404.</b> <ins>That\u2019s an error.</ins>
  <p>The requested URL <code>{path}</code> was not found on this server.  \
<ins>That\u2019s all we know.</ins>
"""


def not_found_page(path: str) -> HTMLResponse:
    """What Google's front end answers for a path no API serves: HTML, not JSON."""
    return HTMLResponse(NOT_FOUND_PAGE.format(path=html.escape(path)), status_code=404)
