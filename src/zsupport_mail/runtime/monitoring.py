"""``/healthz`` and ``/metrics`` over a tiny HTTP/1.0 server on serve's own event loop.

Serving from the loop (not a thread) means a scrape that answers proves the loop is alive.
Database reads run in the default executor. There is no authentication: listen on loopback
(the default) or behind a firewall. Any other path is 404; anything but GET/HEAD is 405.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog

from zsupport_mail.edges.oauth2 import token_problems
from zsupport_mail.queues.status import QueueStatus
from zsupport_mail.runtime.metrics import Metrics
from zsupport_mail.settings.schema import OAuth2Settings

log = structlog.get_logger("zsupport_mail.runtime.monitoring")
_READ_TIMEOUT = 10.0
_REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}
_PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass
class Monitor:
    """What the endpoints look at: a queue reader, the SMTP listener's state and the metrics."""

    metrics: Metrics
    read_queues: Callable[[], Awaitable[QueueStatus]]
    smtp_listening: Callable[[], bool]
    oauth2: tuple[OAuth2Settings, ...] = ()  # providers whose token refreshes are checked

    async def health(self) -> tuple[int, dict[str, object]]:
        """(HTTP status, checks): 503 names the failing check."""
        body: dict[str, object] = {"smtp": "listening" if self.smtp_listening() else "closed"}
        body["oauth2"] = (
            token_problems(self.oauth2) or "ok"
        )  # provider -> why its last refresh failed
        try:
            queues = await self.read_queues()
        except Exception as exc:  # any database failure is "unhealthy", never a crash
            body.update(database=f"error: {exc.__class__.__name__}", outbox_stuck=None)
        else:
            self.metrics.set_queues(queues)
            body.update(
                database="ok",
                outbox_stuck=queues.outbox_stuck,
                inbox_pending=queues.inbox_pending,
                outbox_pending=queues.outbox_queued,
                quarantined=queues.quarantined,
                outbox_overdue=queues.outbox_overdue,
                sla_breaches=queues.as_json()["sla_breaches"],
            )
        failing = [
            key
            for key, ok in (
                ("database", body["database"] == "ok"),
                ("smtp", body["smtp"] == "listening"),
                # Unknown (None) while the database is down: that check alone is named then.
                ("outbox_stuck", body["outbox_stuck"] is not True),
                ("oauth2", body["oauth2"] == "ok"),
            )
            if not ok
        ]
        body["failing"] = failing
        return (503 if failing else 200), body

    async def metrics_text(self) -> bytes:
        """Refresh the queue gauges (if the database answers), then render every metric."""
        try:
            self.metrics.set_queues(await self.read_queues())
        except Exception as exc:  # stale gauges are better than no counters at all
            log.warning("metrics_queue_read_failed", error=repr(exc))
        return self.metrics.render()

    async def respond(self, method: str, path: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for one request."""
        if method not in ("GET", "HEAD"):
            return 405, "text/plain", b"method not allowed\n"
        path = path.split("?", 1)[0]
        if path == "/healthz":
            status, checks = await self.health()
            return status, "application/json", json.dumps(checks, sort_keys=True).encode()
        if path == "/metrics":
            return 200, _PROMETHEUS_TYPE, await self.metrics_text()
        return 404, "text/plain", b"not found: try /healthz or /metrics\n"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One request per connection (HTTP/1.0): read the head, answer, close."""
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _READ_TIMEOUT)
            method, path, *_ = [*head.decode("latin-1").split("\r\n", 1)[0].split(), "", ""]
            status, content_type, body = await self.respond(method, path)
            writer.write(
                f"HTTP/1.0 {status} {_REASONS.get(status, '')}\r\n"
                f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n".encode("latin-1")
            )
            if method != "HEAD":
                writer.write(body)
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
            pass  # a client that hangs up or sends garbage gets nothing
        finally:
            writer.close()

    async def start(self, host: str, port: int) -> asyncio.Server:
        """Listen; the caller closes the returned server."""
        return await asyncio.start_server(self.handle, host, port, reuse_address=True)
