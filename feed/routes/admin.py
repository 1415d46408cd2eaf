"""Admin rule editor: validate, preview, save as a new version; history, diff, restore.

One form with three buttons (`op` = validate / preview / save), so the text
an admin typed is never lost: every answer re-renders the editor with it,
problems listed inline as `file:line:col` and marked on their lines. A save
(or a restore of an old version) that would resolve or retire alerts shows
its preview instead and asks for a second POST, `op=confirm` with the
preview's digest in `confirm`.
"""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from feed import rules_admin
from feed.deps import AdminUser, CsrfForm, NowDep, RowId, SessionDep, SettingsDep
from feed.render import render
from model import RuleConfigVersion
from rules.config import RulesConfig, live_version
from rules.configfile import ConfigError

router = APIRouter(prefix="/admin", include_in_schema=False)
OPS = ("validate", "preview", "save", "confirm")


@router.get("/rules")
def rules_page(request: Request, viewer: AdminUser, session: SessionDep,
               saved: int | None = None) -> Response:
    live = live_version(session)
    return _editor(request, viewer, session, live.text if live else "", note="",
                   saved=saved)


@router.post("/rules")
def rules_submit(request: Request, viewer: AdminUser, form: CsrfForm, session: SessionDep,
                 settings: SettingsDep, now: NowDep) -> Response:
    text = form.get("text", "").replace("\r\n", "\n")
    op, note = form.get("op", "validate"), form.get("note", "").strip()
    if op not in OPS:
        raise HTTPException(400, f'unknown op "{op}"; use one of {", ".join(OPS)}')
    config, problems = rules_admin.validate(text, settings)
    if config is None:
        return _editor(request, viewer, session, text, note=note, problems=problems,
                       status_code=422)
    if op in ("save", "confirm"):
        return _save(request, viewer, session, settings, now, text, config, note,
                     form.get("confirm", "") if op == "confirm" else "")
    sections = (rules_admin.preview(session, config, settings, now) if op == "preview"
                else None)
    return _editor(request, viewer, session, text, note=note, valid=len(config.rules),
                   sections=sections)


def _save(request: Request, viewer: AdminUser, session: SessionDep, settings: SettingsDep,
          now: NowDep, text: str, config: RulesConfig, note: str, confirmed: str) -> Response:
    """Save, unless it would take alerts out of view and `confirmed` is not that preview's
    digest: then show the preview and ask."""
    sections = rules_admin.preview(session, config, settings, now)
    needed = rules_admin.confirmation(sections)
    if needed is not None and not hmac.compare_digest(needed.digest.encode(),
                                                      confirmed.encode("utf-8")):
        return _editor(request, viewer, session, text, note=note, valid=len(config.rules),
                       sections=sections, confirm=needed, stale_confirm=bool(confirmed))
    try:
        version, summary = rules_admin.save(session, text, viewer.name, settings, now,
                                            note or None)
    except ConfigError as exc:
        return _editor(request, viewer, session, text, note=note,
                       problems=list(exc.problems), status_code=422)
    except OSError as exc:
        return _editor(request, viewer, session, text, note=note, status_code=500,
                       failure=f"saved as a version but could not write the rules "
                               f"file: {exc.strerror}")
    query = urlencode({"saved": version.id, "summary": summary})
    return RedirectResponse(f"/admin/rules?{query}", status_code=303)


def _editor(request: Request, viewer: AdminUser, session: SessionDep, text: str, *,
            note: str, status_code: int = 200, **extra: Any) -> Response:
    problem_lines = {p.line for p in extra.get("problems", [])}
    context: dict[str, Any] = {
        "text": text, "note": note, "problems": [], "valid": None, "sections": None,
        "saved": None, "failure": None, "versions": rules_admin.versions(session)[:20],
        "confirm": None, "stale_confirm": False,
        "summary": request.query_params.get("summary", ""),
        "numbered": list(enumerate(text.splitlines(), start=1)), "marked": problem_lines,
    }
    context.update(extra)
    return render(request, "admin_rules.html", context, viewer=viewer,
                  status_code=status_code)


def _version(session: SessionDep, version_id: int) -> RuleConfigVersion:
    version = session.get(RuleConfigVersion, version_id)
    if version is None:
        raise HTTPException(404, f"no rules version {version_id}")
    return version


@router.get("/rules/versions/{version_id}")
def version_page(request: Request, version_id: RowId, viewer: AdminUser,
                 session: SessionDep) -> Response:
    version = _version(session, version_id)
    live = live_version(session)
    return render(request, "admin_version.html", {
        "version": version, "diff": rules_admin.diff(session, version),
        "is_live": live is not None and live.id == version.id,
    }, viewer=viewer)


@router.post("/rules/versions/{version_id}/restore")
def restore(request: Request, version_id: RowId, viewer: AdminUser, form: CsrfForm,
            session: SessionDep, settings: SettingsDep, now: NowDep) -> Response:
    """Save an old version again, through the same preview and confirmation as a save."""
    version = _version(session, version_id)
    text, note = version.text, f"restored version {version.id}"
    config, problems = rules_admin.validate(text, settings)
    if config is None:
        return _editor(request, viewer, session, text, note=note, problems=problems,
                       status_code=422)
    return _save(request, viewer, session, settings, now, text, config, note, "")
