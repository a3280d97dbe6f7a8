"""What every portal page shares: the request's context, rendering, the signed-in viewer, forms.

``PortalContext`` is built once by ``serve`` and reached from a request as
``request.app.state.ctx``; nothing global. Database work is synchronous SQLAlchemy, run in
Starlette's thread pool so a slow query never holds the event loop the SMTP edge shares.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from zsupport_mail.edges.portal.security import SigninLimits, access, csrf_token, csrf_valid
from zsupport_mail.edges.portal.viewer import Viewer, find_viewer
from zsupport_mail.mail.replies import ReplyRenderer, templates_dir
from zsupport_mail.settings import Settings
from zsupport_mail.settings.clock import Clock

T = TypeVar("T")
MAX_FORM_FIELDS = 100


@dataclass
class PortalContext:
    """What the portal needs from ``serve``: settings, the database, the clock, the wake-ups.

    ``current`` returns the settings serve runs with now, so a SIGHUP that removes a staff
    address takes the portal away from that person at their next request.
    """

    current: Callable[[], Settings]
    sessions: sessionmaker[Session]
    renderer: ReplyRenderer
    clock: Clock
    wake_inbox: Callable[[], None]
    wake_outbox: Callable[[], None]
    limits: SigninLimits
    pages: Environment

    @property
    def settings(self) -> Settings:
        """The settings in force for this request."""
        return self.current()


def page_environment(settings: Settings) -> Environment:
    """Jinja2 for the portal's HTML: autoescaped always, strict about missing variables."""
    env = Environment(
        loader=FileSystemLoader(templates_dir(settings) / "portal"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
    )
    env.filters["local"] = local_time
    return env


def local_time(value: datetime | None, zone: str) -> str:
    """An instant in the reader's zone, e.g. ``2026-11-26 10:00 MST``; a dash when unset."""
    if value is None:
        return "-"
    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def ctx_of(request: Request) -> PortalContext:
    """The portal's context, set on the app at build time."""
    ctx: PortalContext = request.app.state.ctx
    return ctx


def render(request: Request, name: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    """A page, with the CSRF token and the viewer available to every template."""
    ctx = ctx_of(request)
    values.setdefault("viewer", None)
    values.setdefault("notice", request.query_params.get("notice", ""))
    html = ctx.pages.get_template(f"{name}.html").render(
        csrf=csrf_token(request), portal_name="Z-Support portal", **values
    )
    return HTMLResponse(html, status_code=status_code)


async def in_db(ctx: PortalContext, work: Callable[[Session], T]) -> T:
    """Run work(session) in one transaction, off the event loop."""

    def run() -> T:
        with ctx.sessions.begin() as session:
            return work(session)

    return await run_in_threadpool(run)


async def current_viewer(request: Request) -> Viewer | None:
    """The signed-in viewer, looked up afresh; None for an anonymous or revoked session."""
    email = request.session.get("email")
    if not isinstance(email, str):
        return None
    ctx = ctx_of(request)
    viewer = await in_db(ctx, lambda s: find_viewer(s, ctx.settings.staff, email, ctx.clock()))
    if viewer is None:
        access("portal_access_revoked", request)
        request.session.clear()
    return viewer


async def require_viewer(request: Request, *, staff: bool = False) -> Viewer:
    """The signed-in viewer, or a redirect to sign-in (HTTPException 303) / 404 for non-staff."""
    viewer = await current_viewer(request)
    if viewer is None:
        raise HTTPException(303, headers={"Location": "/"})
    if staff and not viewer.staff:
        access("portal_denied", request, reason="staff page")
        raise HTTPException(404)
    return viewer


async def checked_form(request: Request) -> FormData:
    """The POSTed form, refused with 403 unless it carries this session's CSRF token."""
    limit = ctx_of(request).settings.smtp.max_message_bytes
    form = await request.form(max_fields=MAX_FORM_FIELDS, max_part_size=limit)
    if not csrf_valid(request, form.get("csrf")):
        access("portal_csrf_refused", request)
        raise HTTPException(403, detail="This form has expired; reload the page and try again.")
    return form


def redirect(url: str) -> RedirectResponse:
    """303 See Other: after a POST the browser GETs the next page."""
    return RedirectResponse(url, status_code=303)


def text(form: FormData, name: str, limit: int = 100_000) -> str:
    """A text field (an upload in its place counts as empty), cut to limit characters."""
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""
