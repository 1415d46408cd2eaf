"""Admin pages for people (capacity, timezone, active), identities and links."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import col, select

from feed import people_admin
from feed.deps import AdminUser, CsrfForm, NowDep, RowId, SessionDep, SettingsDep
from feed.people_admin import AdminError
from feed.render import render
from model import RECORD_KINDS, Identity, LinkStatus

router = APIRouter(prefix="/admin", include_in_schema=False)


@router.get("/people")
def people_page(request: Request, viewer: AdminUser, session: SessionDep) -> Response:
    return _people(request, viewer, session)


def _people(request: Request, viewer: AdminUser, session: SessionDep,
            error: str | None = None, status_code: int = 200) -> Response:
    identities = list(session.exec(select(Identity).order_by(
        col(Identity.person_id).is_not(None), col(Identity.source), col(Identity.external_id))))
    return render(request, "admin_people.html", {
        "people": people_admin.people(session), "identities": identities, "error": error,
    }, viewer=viewer, status_code=status_code)


@router.post("/people/{person_id}")
def update_person(request: Request, person_id: RowId, viewer: AdminUser, form: CsrfForm,
                  session: SessionDep, now: NowDep) -> Response:
    try:
        people_admin.update_person(session, person_id, name=form.get("name", ""),
                                   capacity=form.get("capacity", ""),
                                   timezone=form.get("timezone", "").strip(),
                                   active=form.get("active") == "on", now=now)
    except AdminError as exc:
        session.rollback()
        return _people(request, viewer, session, str(exc), 422)
    return RedirectResponse(f"/admin/people#person-{person_id}", status_code=303)


@router.post("/identities/{identity_id}")
def assign_identity(request: Request, identity_id: RowId, viewer: AdminUser, form: CsrfForm,
                    session: SessionDep) -> Response:
    try:
        people_admin.assign_identity(session, identity_id, form.get("person_id", ""))
    except AdminError as exc:
        session.rollback()
        return _people(request, viewer, session, str(exc), 422)
    return RedirectResponse("/admin/people#identities", status_code=303)


@router.get("/links")
def links_page(request: Request, viewer: AdminUser, session: SessionDep,
               settings: SettingsDep) -> Response:
    return _links(request, viewer, session, settings)


def _links(request: Request, viewer: AdminUser, session: SessionDep, settings: SettingsDep,
           error: str | None = None, status_code: int = 200,
           form: dict[str, str] | None = None) -> Response:
    """The list and the add form; after a refused add, the form keeps what was typed."""
    return render(request, "admin_links.html", {
        "links": people_admin.links(session), "kinds": list(RECORD_KINDS), "error": error,
        "sources": list(settings.source_names), "form": form or {},
    }, viewer=viewer, status_code=status_code)


@router.post("/links")
def add_link(request: Request, viewer: AdminUser, form: CsrfForm, session: SessionDep,
             settings: SettingsDep, now: NowDep) -> Response:
    try:
        people_admin.add_link(session, _end(form, "a"), _end(form, "b"), viewer.name,
                              form.get("note", "").strip(), now, list(settings.source_names))
    except AdminError as exc:
        session.rollback()
        return _links(request, viewer, session, settings, str(exc), 422, form)
    return RedirectResponse("/admin/links", status_code=303)


def _end(form: dict[str, str], prefix: str) -> tuple[str, str, str]:
    kind, source, external_id = (form.get(f"{prefix}_{part}", "").strip()
                                 for part in ("kind", "source", "external_id"))
    return kind, source, external_id


@router.post("/links/{link_id}/{verb}")
def change_link(request: Request, link_id: RowId, verb: str, viewer: AdminUser, form: CsrfForm,
                session: SessionDep, settings: SettingsDep, now: NowDep) -> Response:
    statuses = {"refute": LinkStatus.refuted, "restore": LinkStatus.active}
    if verb not in statuses:
        return _links(request, viewer, session, settings, f'unknown action "{verb}"', 404)
    try:
        people_admin.set_link_status(session, link_id, statuses[verb], viewer.name, now)
    except AdminError as exc:
        return _links(request, viewer, session, settings, str(exc), 404)
    return RedirectResponse("/admin/links", status_code=303)
