"""Sign-in pages: ask for a link (``/``, ``/login``), use it (``/signin``), sign out.

The link's GET only shows a button; the sign-in itself is a POST. Mail scanners that fetch
every link in a message would otherwise spend the single-use token before its owner clicks.
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from zsupport_mail.edges.portal.security import access, client_ip
from zsupport_mail.edges.portal.signin import issue_link, redeem
from zsupport_mail.edges.portal.viewer import find_viewer, normalized
from zsupport_mail.edges.portal.web import (
    checked_form,
    ctx_of,
    current_viewer,
    in_db,
    redirect,
    render,
)
from zsupport_mail.edges.portal.web import text as field


def home_of(staff: bool) -> str:
    """Where a signed-in person starts."""
    return "/staff" if staff else "/tickets"


async def signin_page(request: Request) -> Response:
    """GET /: the one e-mail field (or straight on, when signed in already)."""
    viewer = await current_viewer(request)
    if viewer is not None:
        return redirect(home_of(viewer.staff))
    return render(request, "signin")


async def request_link(request: Request) -> Response:
    """POST /login: mail a link to a known address; the same answer for every address."""
    form = await checked_form(request)
    ctx = ctx_of(request)
    address = normalized(field(form, "email", 320)) or field(form, "email", 320).lower()
    ip = client_ip(request)
    limited = ctx.limits.allow(address, ip)
    if limited is not None:
        access("portal_signin_limited", request, limit=limited)
        return render(request, "signin", status_code=429, limited=True)
    now = ctx.clock()

    def issue(session: Session) -> bool:
        viewer = find_viewer(session, ctx.settings.staff, address, now) if "@" in address else None
        if viewer is None:
            return False
        issue_link(session, ctx.settings, ctx.renderer, viewer, ip=ip, now=now)
        return True

    mailed = await in_db(ctx, issue)
    if mailed:
        ctx.wake_outbox()
    access("portal_signin_requested", request, requested=address, mailed=mailed)
    return render(request, "link_sent")


async def confirm_page(request: Request) -> Response:
    """GET /signin?token=...: a button that signs in (see the module's note on scanners)."""
    return render(request, "confirm", token=request.query_params.get("token", "")[:200])


async def sign_in(request: Request) -> Response:
    """POST /signin: spend the token, start a fresh session for its address."""
    form = await checked_form(request)
    ctx = ctx_of(request)
    token = field(form, "token", 200)
    now = ctx.clock()
    email = await in_db(ctx, lambda s: redeem(s, token, now)) if token else None
    viewer = None
    if email is not None:
        viewer = await in_db(ctx, lambda s: find_viewer(s, ctx.settings.staff, email, now))
    if viewer is None:
        access("portal_signin_refused", request, reason="invalid, used or expired link")
        return render(request, "signin", status_code=400, expired=True)
    request.session.clear()  # a new session (and CSRF token) for the signed-in person
    request.session["email"] = viewer.email
    access("portal_signed_in", request, staff=viewer.staff, client=viewer.client_name)
    return redirect(home_of(viewer.staff))


async def sign_out(request: Request) -> Response:
    """POST /logout."""
    await checked_form(request)
    access("portal_signed_out", request)
    request.session.clear()
    return redirect("/")
