"""The portal's Starlette application: its routes, its session cookie, its security headers.

Routes are one explicit list, as the pipeline's steps are one explicit tuple. The session is
Starlette's signed cookie (itsdangerous): HttpOnly and SameSite=Lax always, Secure when the
portal's base_url is https, eight hours long. It holds the address and the CSRF token only.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zsupport_mail.edges.portal import attachments, auth, pages, staff
from zsupport_mail.edges.portal.security import log
from zsupport_mail.edges.portal.web import PortalContext, render
from zsupport_mail.queues.inbox import TRANSIENT_DB_ERRORS

SESSION_SECONDS = 8 * 3600
SECURITY_HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    # The sign-in link carries its token in the URL: never pass it on in a Referer.
    (b"referrer-policy", b"no-referrer"),
    (
        b"content-security-policy",
        b"default-src 'self'; style-src 'self' 'unsafe-inline'; form-action 'self'; "
        b"frame-ancestors 'none'",
    ),
    (b"cache-control", b"no-store"),
)

ROUTES = [
    Route("/", auth.signin_page, methods=["GET"]),
    Route("/login", auth.request_link, methods=["POST"]),
    Route("/signin", auth.confirm_page, methods=["GET"]),
    Route("/signin", auth.sign_in, methods=["POST"]),
    Route("/logout", auth.sign_out, methods=["POST"]),
    Route("/tickets", pages.ticket_list, methods=["GET"]),
    Route("/tickets/new", pages.new_ticket_page, methods=["GET"]),
    Route("/tickets/new", pages.create_ticket, methods=["POST"]),
    Route("/tickets/{number}", pages.ticket_page, methods=["GET"]),
    Route("/tickets/{number}/reply", pages.reply, methods=["POST"]),
    Route(
        "/tickets/{number}/attachments/{attachment_id:int}",
        attachments.download,
        methods=["GET"],
    ),
    Route("/staff", staff.queue, methods=["GET"]),
    Route("/staff/tickets/{number}", staff.staff_ticket, methods=["GET"]),
    Route("/staff/tickets/{number}/action", staff.action, methods=["POST"]),
    Route("/staff/quarantine", staff.quarantine, methods=["GET"]),
    Route("/staff/quarantine/{inbound_id:int}/reprocess", staff.reprocess, methods=["POST"]),
    Route("/staff/ledger", staff.ledger, methods=["GET"]),
]


class SecurityHeaders:
    """Adds the headers above to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass through, adding headers to the response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def http_error(request: Request, exc: Exception) -> Response:
    """Errors as pages; a redirect raised by require_viewer passes through as one."""
    assert isinstance(exc, HTTPException)
    if exc.status_code in (301, 302, 303, 307):
        return Response(status_code=exc.status_code, headers=exc.headers)
    return render(
        request,
        "error",
        status_code=exc.status_code,
        code=exc.status_code,
        detail=exc.detail if exc.status_code != 404 else "There is no such page or ticket.",
    )


async def server_error(request: Request, exc: Exception) -> Response:
    """An unexpected error (the database away, a bug): logged, and a page that says so.

    A web form's mail is stored before anything else happens, so "nothing was sent" is true
    whenever this answers a POST that failed before the inbox commit.
    """
    log.error("portal_error", path=request.url.path, error=repr(exc))
    return render(
        request,
        "error",
        status_code=503 if isinstance(exc, TRANSIENT_DB_ERRORS) else 500,
        code=503 if isinstance(exc, TRANSIENT_DB_ERRORS) else 500,
        detail="Something went wrong on our side; what you sent may not have been received. "
        "Please try again in a few minutes, or write to us by e-mail.",
    )


def session_secret(ctx: PortalContext) -> str:
    """The session cookie's signing key: the configured secret, else one per process."""
    if ctx.settings.safety.secret:
        return "portal-session:" + ctx.settings.safety.secret
    log.warning(
        "portal_session_secret_random",
        reason="safety.secret is not set: sessions end when serve restarts",
    )
    return secrets.token_urlsafe(32)


def build_app(ctx: PortalContext) -> Starlette:
    """The portal as an ASGI app over ctx."""
    assert ctx.settings.portal is not None
    handlers: dict[int | type[Exception], Callable[[Request, Exception], Awaitable[Response]]]
    handlers = {HTTPException: http_error, Exception: server_error}
    app = Starlette(
        routes=ROUTES,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=session_secret(ctx),
                session_cookie="zsupport_portal",
                max_age=SESSION_SECONDS,
                same_site="lax",
                https_only=ctx.settings.portal.secure_cookies,
            ),
        ],
        exception_handlers=handlers,
    )
    app.state.ctx = ctx
    return app
