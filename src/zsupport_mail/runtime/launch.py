"""serve's entry point: the instance lock, the children started early, then the event loop.

Kept apart from serve.py so that the children (children.py) start before serve.py's imports
(the portal, the SMTP and IMAP edges, the pipeline) and load alongside them.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

import structlog

from zsupport_mail.db.session import lock_path
from zsupport_mail.runtime.children import spawn_all
from zsupport_mail.runtime.instance_lock import InstanceLock, InstanceLockedError
from zsupport_mail.settings.clock import clock_from_env

if TYPE_CHECKING:
    from zsupport_mail.settings import Settings

log = structlog.get_logger("zsupport_mail.runtime.serve")


def serve(settings: Settings) -> int:
    """Blocking entry point for the CLI; returns the exit code.

    On SQLite the instance lock is taken first: a second serve on the same file exits 1 at
    once, naming the holder, before it starts a child, listens or changes anything.
    """
    path = lock_path(settings.database.url)
    try:
        held = InstanceLock.acquire(path) if path is not None else None
    except InstanceLockedError as exc:
        log.error("serve_refused", reason=str(exc), holder_pid=exc.holder_pid, lock=str(path))
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # e.g. the database's directory is not writable for the lock file
        log.error("serve_failed", error=f"cannot take the instance lock {path}: {exc}")
        return 1
    children = spawn_all(settings)
    try:
        from zsupport_mail.runtime.serve import serve_async  # while the children load

        asyncio.run(serve_async(settings, clock=clock_from_env(), children=children))
    except OSError as exc:
        log.error("serve_failed", error=str(exc))
        return 1
    finally:
        for pool, _ in children.values():  # already stopped unless serve failed to start
            pool.shutdown(wait=True)
        if held is not None:
            held.release()
    return 0
