"""The IMAP poller's bookmark: a folder's UIDVALIDITY and the last UID it has dealt with.

Kept in the database (``imap_mailbox_state``) so that a restart neither re-reads the whole
folder nor misses what arrived while the daemon was down. A UID means nothing without its
UIDVALIDITY (RFC 3501 2.3.1.1): when the server reports a new one, the folder is re-scanned
from UID 1, and the inbox's dedupe key keeps that from storing anything twice. Several pollers
may watch the same folder (two daemons on one PostgreSQL), so saving never moves ``last_uid``
backwards under the same UIDVALIDITY.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from zsupport_mail.db.models import ImapMailboxState


@dataclass(frozen=True)
class Bookmark:
    """Every message with a UID up to ``last_uid`` under ``uidvalidity`` has been dealt with."""

    uidvalidity: int
    last_uid: int


def resume_from(saved: Bookmark | None, uidvalidity: int) -> tuple[Bookmark, bool]:
    """Where to resume in a folder the server reports with `uidvalidity`.

    Returns:
        The bookmark to start from, and whether the saved one was invalidated (a changed
        UIDVALIDITY: the old UIDs no longer name the same messages, so start again at 0).
    """
    if saved is None:
        return Bookmark(uidvalidity, 0), False
    if saved.uidvalidity != uidvalidity:
        return Bookmark(uidvalidity, 0), True
    return saved, False


def load_bookmark(sessions: sessionmaker[Session], mailbox: str) -> Bookmark | None:
    """The saved bookmark of a mailbox key, or None before its first message."""
    with sessions.begin() as session:
        row = session.scalar(select(ImapMailboxState).where(ImapMailboxState.mailbox == mailbox))
        return None if row is None else Bookmark(row.uidvalidity, row.last_uid)


def save_bookmark(
    sessions: sessionmaker[Session], mailbox: str, bookmark: Bookmark, now: datetime
) -> None:
    """Record progress; under an unchanged UIDVALIDITY ``last_uid`` only ever grows."""
    try:
        _save(sessions, mailbox, bookmark, now)
    except IntegrityError:
        _save(sessions, mailbox, bookmark, now)  # another poller inserted the row first


def _save(sessions: sessionmaker[Session], mailbox: str, bookmark: Bookmark, now: datetime) -> None:
    with sessions.begin() as session:
        row = session.scalar(
            select(ImapMailboxState).where(ImapMailboxState.mailbox == mailbox).with_for_update()
        )
        if row is None:
            row = ImapMailboxState(mailbox=mailbox, uidvalidity=bookmark.uidvalidity, last_uid=0)
            session.add(row)
        if row.uidvalidity != bookmark.uidvalidity:
            row.uidvalidity, row.last_uid = bookmark.uidvalidity, bookmark.last_uid
        else:
            row.last_uid = max(row.last_uid, bookmark.last_uid)
        row.updated_at = now
