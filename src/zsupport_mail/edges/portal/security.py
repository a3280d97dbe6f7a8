"""The portal's guards: CSRF tokens, sign-in rate limits, and the access log events.

The CSRF token is a random value kept in the (signed) session and echoed in a hidden field of
every form; a POST whose field does not match is refused with 403 before any work. Rate limits
are token buckets in memory, like the SMTP edge's: per requested address and per client IP.
"""

from __future__ import annotations

import hmac
import secrets
import time

import structlog
from starlette.requests import Request

from zsupport_mail.edges.ratelimit import TokenBuckets
from zsupport_mail.settings import PortalSettings

log = structlog.get_logger("zsupport_mail.edges.portal")
HOUR = 3600.0


def csrf_token(request: Request) -> str:
    """This session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


def csrf_valid(request: Request, submitted: object) -> bool:
    """Whether a form's token is this session's (constant-time compare)."""
    expected = request.session.get("csrf")
    if not isinstance(expected, str) or not isinstance(submitted, str):
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


def client_ip(request: Request) -> str:
    """The peer address (the portal is meant to sit on loopback or behind our own proxy)."""
    return request.client.host if request.client else "unknown"


class SigninLimits:
    """Sign-in requests allowed per address and per IP, each per hour."""

    def __init__(self, settings: PortalSettings) -> None:
        clock = time.monotonic
        self._address = TokenBuckets(settings.max_signins_per_address_per_hour, HOUR, clock)
        self._ip = TokenBuckets(settings.max_signins_per_ip_per_hour, HOUR, clock)

    def allow(self, address: str, ip: str) -> str | None:
        """None when allowed; else which limit was hit ("ip" or "address")."""
        if not self._ip.take(ip):
            return "ip"
        if not self._address.take(address):
            return "address"
        return None


def access(event: str, request: Request, **fields: object) -> None:
    """One access event in the log: who, from where, what."""
    log.info(
        event,
        ip=client_ip(request),
        path=request.url.path,
        email=request.session.get("email"),
        **fields,
    )
