"""Releasing the inbox claims of a ``serve`` that died, so that its messages are not held
for a whole lease."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from zsupport_mail.db.models import InboundMessage
from zsupport_mail.queues.inbox import (
    release_dead_claims,
)


def process_alive(pid: int) -> bool:
    """Whether pid runs. A zombie does not: a killed serve's children are reparented to
    init, and until it reaps them kill(pid, 0) still finds them (their claims would then
    wait out the whole lease)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True  # no /proc: kill(pid, 0) is all we know
    return stat.rpartition(")")[2].split()[:1] not in (["Z"], ["X"])


def release_own_claims(sessions: sessionmaker[Session], url: str) -> int:
    """On SQLite (one instance by design) a claim left at start belongs to a dead process.

    On PostgreSQL several instances may share the database: only the claims of dead
    processes on this host are released; other hosts' claims expire with their lease.
    """
    if not url.startswith("sqlite"):
        return release_dead_claims(sessions, socket.gethostname(), process_alive)
    with sessions.begin() as session:
        result = session.execute(
            update(InboundMessage)
            .where(InboundMessage.status == "processing")
            .values(status="pending", claimed_by=None, claimed_at=None)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
