"""Sign-in by mailed link: a random token per request, only its SHA-256 stored, 15 minutes, once.

The link goes through the outbox like every other mail, to that one address alone (never with
other recipients), so a sign-in is as strong as the mailbox it proves. An address that is
neither staff nor at a client's domain gets no mail and the same answer as everyone else,
so the form cannot be used to learn who our clients are.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from zsupport_mail.db.models import PortalSignin
from zsupport_mail.edges.portal.viewer import Viewer
from zsupport_mail.mail.replies import ReplyRenderer, build_reply
from zsupport_mail.queues.outbox import queue_mail
from zsupport_mail.settings import Settings

LINK_LIFETIME = timedelta(minutes=15)


def token_hash(token: str) -> str:
    """What is stored of a token: a leaked table must not sign anyone in."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_link(
    session: Session,
    settings: Settings,
    renderer: ReplyRenderer,
    viewer: Viewer,
    *,
    ip: str | None,
    now: datetime,
) -> None:
    """Store a new token's hash and queue the mail carrying the link, to the viewer only."""
    assert settings.portal is not None
    token = secrets.token_urlsafe(32)
    session.add(
        PortalSignin(
            token_sha256=token_hash(token),
            email=viewer.email,
            created_at=now,
            expires_at=now + LINK_LIFETIME,
            ip=(ip or "")[:64] or None,
        )
    )
    expires = now + LINK_LIFETIME
    body = renderer.render(
        "portal_signin",
        {
            "name": viewer.name,
            "link": f"{settings.portal.base_url}/signin?token={token}",
            "minutes": int(LINK_LIFETIME.total_seconds() // 60),
            "expires": expires.astimezone(ZoneInfo(viewer.timezone)).strftime("%H:%M %Z"),
            "portal": settings.portal.base_url,
        },
    )
    message = build_reply(
        settings,
        to=viewer.email,
        subject="Your sign-in link for the Z-Support portal",
        body=body,
        answers=(None, ()),
        now=now,
    )
    # RFC 3834: made by a process, not in answer to a mail ("auto-replied" is for replies).
    message.replace_header("Auto-Submitted", "auto-generated")
    queue_mail(session, settings.outbound, message, kind="portal_signin", now=now)


def redeem(session: Session, token: str, now: datetime) -> str | None:
    """The address a valid, unused, unexpired token was made for; the token is spent.

    The UPDATE ... WHERE used_at IS NULL is the single-use guarantee: of two requests racing
    with the same link, only one sees a row changed.
    """
    digest = token_hash(token)
    changed = session.execute(
        update(PortalSignin)
        .where(
            PortalSignin.token_sha256 == digest,
            PortalSignin.used_at.is_(None),
            PortalSignin.expires_at > now,
        )
        .values(used_at=now)
    ).rowcount  # type: ignore[attr-defined]
    if changed != 1:
        return None
    return session.scalar(select(PortalSignin.email).where(PortalSignin.token_sha256 == digest))
