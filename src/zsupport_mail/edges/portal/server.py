"""Serve the portal with uvicorn inside ``serve``'s own event loop.

uvicorn's ``Server.serve()`` is a coroutine: run as a task next to the SMTP listener, it shares
the loop and the process (no second daemon to supervise). Its signal handlers are left to
``serve``, which stops the portal with the rest on SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable, Iterator

import uvicorn
from sqlalchemy.orm import Session, sessionmaker

from zsupport_mail.edges.portal.app import build_app
from zsupport_mail.edges.portal.security import SigninLimits
from zsupport_mail.edges.portal.web import PortalContext, page_environment
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.settings import Settings
from zsupport_mail.settings.clock import Clock


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its own signal handling: serve owns SIGTERM and SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Leave the loop's signal handlers to serve."""
        yield


class PortalServer:
    """The portal's HTTP listener as a task of the running loop."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        clock: Clock,
        wake_inbox: Callable[[], None],
        wake_outbox: Callable[[], None],
        current: Callable[[], Settings] | None = None,
    ) -> None:
        assert settings.portal is not None
        self.settings = settings.portal
        ctx = PortalContext(
            current=current or (lambda: settings),
            sessions=sessions,
            renderer=ReplyRenderer(settings),
            clock=clock,
            wake_inbox=wake_inbox,
            wake_outbox=wake_outbox,
            limits=SigninLimits(settings.portal),
            pages=page_environment(settings),
        )
        config = uvicorn.Config(
            build_app(ctx),
            host=self.settings.host,
            port=self.settings.port,
            log_config=None,  # structlog owns logging; access events come from the app
            access_log=False,
            proxy_headers=False,
            server_header=False,
            lifespan="off",
        )
        self._server = _EmbeddedServer(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> str:
        """Listen; returns ``host:port``.

        The socket is bound here, not by uvicorn, whose bind error is a ``sys.exit`` that
        would end the whole event loop; here it is an OSError that serve reports and exits 1.
        """
        family = socket.AF_INET6 if ":" in self.settings.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.settings.host, self.settings.port))
        except OSError as exc:
            sock.close()
            raise OSError(
                f"portal cannot listen on {self.settings.host}:{self.settings.port}: {exc}"
            ) from exc
        sock.listen(128)
        sock.setblocking(False)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="portal")
        while not self._server.started and not self._task.done():
            await asyncio.sleep(0.02)
        host, port = sock.getsockname()[:2]
        return f"{host}:{port}"

    async def stop(self) -> None:
        """Stop accepting, let requests in flight finish (uvicorn's graceful shutdown)."""
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(Exception, SystemExit):
            await self._task
