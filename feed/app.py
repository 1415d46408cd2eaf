"""`create_app(settings, engine)`: the feed as a FastAPI application.

No module-level settings or engine: everything arrives through the factory,
so tests build a fresh app per database and `baton serve` builds one from the
loaded config. HTML pages and the JSON API share queries; errors share one
JSON shape under /api/ and one error page elsewhere.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from feed.deps import NotSignedIn
from feed.render import make_environment, render
from feed.routes import admin, admin_people, alerts, api, atom, people, signin, status
from feed.schemas import ErrorOut
from feed.settings import FeedSettings

STATIC = Path(__file__).parent / "static"
STATIC_PREFIX = "/static/"
HSTS = "max-age=31536000"
"""One year; no includeSubDomains: the feed cannot speak for its parent domain's hosts."""
ROUTERS = tuple(m.router for m in (signin, alerts, people, status, admin, admin_people, atom,
                                   api))
API_PREFIX = "/api/"
ERROR_CODES = {400: "bad_request", 401: "not_signed_in", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large",
               415: "unsupported_media_type", 422: "invalid_request"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'none'; object-src 'none'; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_app(settings: FeedSettings, engine: Engine) -> FastAPI:
    app = FastAPI(title=f"{settings.title} feed API", version="1",
                  description="Alerts across Asana, Trello, Google and Salesforce.",
                  openapi_url="/api/v1/openapi.json", docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.engine = engine
    app.state.templates = make_environment(settings)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
    _install_handlers(app)
    app.middleware("http")(_security_headers)
    return app


async def _security_headers(request: Request,
                            call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """No script may run (the feed needs none), nothing may frame it, and the Atom
    token in a URL never leaks to the tools we link to through Referer. Nothing but the
    static files may be stored by a browser or proxy: pages show alerts, a feed URL or a
    CSRF token, and a shared machine's cache must not keep them after sign-out. Over
    https, browsers are told never to fall back to plain http."""
    response = await call_next(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.url.path.startswith(STATIC_PREFIX):
        response.headers["Cache-Control"] = "no-store"
    if request.app.state.settings.https:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def error_json(status: int, message: str) -> JSONResponse:
    body = ErrorOut(error=message, code=ERROR_CODES.get(status, "error"), status=status)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if is_api(request) or request.method != "GET":
            if is_api(request):
                return error_json(401, f"{exc}: send Authorization: Bearer <API token>")
            return RedirectResponse("/login", status_code=303)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = str(exc.detail) if exc.detail else "error"
        if exc.status_code == 404 and message == "Not Found":
            message = f"nothing at {request.url.path}"
        if is_api(request):
            return error_json(exc.status_code, message)
        return render(request, "error.html", {"status": exc.status_code, "message": message},
                      status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                             for e in exc.errors())
        if is_api(request):
            return error_json(422, problems)
        return render(request, "error.html", {"status": 400, "message": problems},
                      status_code=400)
