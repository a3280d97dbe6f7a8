"""``serve``: the SMTP listener, and the tasks that drive processing and delivery, in one loop.

Database work is synchronous SQLAlchemy, so the edges' stores run in a thread pool; the event
loop only moves bytes and wakes tasks. Processing and delivery run in two child processes
(``workers``) at a lower priority, so their CPU work never holds this interpreter while
a client waits for its 250; the worker and sender tasks here decide what they run and when.
They are woken by events when there is new work, and also re-check on a timer for retries
whose time has come. SIGTERM/SIGINT stop
accepting, let the message in hand finish, and exit 0; anything stored but unprocessed is picked
up at the next start. IMAP pollers (edges/imap.py) are synchronous and run in threads of their
own; they wake the worker through the loop, and stop before the worker does. A database that
is away, locked or full does not end a task: each backs off and retries (DatabaseWait), while
the edges answer 451/452 or leave IMAP mail where it is.

Under systemd it speaks sd_notify (notify.py): READY once the listeners are up, WATCHDOG pings
from the loop itself (a stuck loop stops pinging and gets restarted), STATUS with the queue
depths, STOPPING on SIGTERM. SIGHUP reloads the directory sections of the config (reload.py)
between two messages. ``[monitoring]`` adds /healthz and /metrics (monitoring.py), ``[portal]``
the clients' web portal (portal/), both in this loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import ssl
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import structlog

from zsupport_mail.db.advisory import session_locks
from zsupport_mail.db.repos import sync_directory
from zsupport_mail.db.session import make_engine, make_session_factory
from zsupport_mail.edges.imap import ImapPollers
from zsupport_mail.edges.portal import PortalServer
from zsupport_mail.edges.ratelimit import EdgeLimits
from zsupport_mail.edges.smtp import SupportHandler, SupportSMTP
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.queues.inbox import (
    Arrival,
    StoreResult,
    store_raw,
)
from zsupport_mail.queues.status import QueueStatus, read_queue_status
from zsupport_mail.runtime.children import Started
from zsupport_mail.runtime.claims import process_alive, release_own_claims
from zsupport_mail.runtime.heartbeat import run_status, run_watchdog
from zsupport_mail.runtime.loops import Wakeups, run_scheduler, run_sender, run_worker
from zsupport_mail.runtime.metrics import Metrics
from zsupport_mail.runtime.monitoring import Monitor
from zsupport_mail.runtime.notify import Notifier
from zsupport_mail.runtime.pipeline import Pipeline
from zsupport_mail.runtime.reload import SettingsHolder, reload_settings
from zsupport_mail.runtime.workers import WorkerProcess
from zsupport_mail.settings import Settings
from zsupport_mail.settings.clock import Clock, utc_now

log = structlog.get_logger("zsupport_mail.runtime.serve")


def _tls_context(settings: Settings) -> ssl.SSLContext | None:
    if settings.smtp.tls_cert is None or settings.smtp.tls_key is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(settings.smtp.tls_cert, settings.smtp.tls_key)
    return context


def _from_thread(
    loop: asyncio.AbstractEventLoop, callback: Callable[[], None]
) -> Callable[[], None]:
    """A callable for another thread (an IMAP poller) that runs callback on the event loop."""

    def call() -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed under a poller that hung
            loop.call_soon_threadsafe(callback)

    return call


async def _start_monitoring(
    settings: Settings, monitor: Monitor
) -> tuple[asyncio.Server | None, str | None]:
    if not settings.monitoring.enabled:
        return None, None
    server = await monitor.start(settings.monitoring.host, settings.monitoring.port)
    host, port = server.sockets[0].getsockname()[:2]
    return server, f"{host}:{port}"


async def serve_async(
    settings: Settings,
    clock: Clock = utc_now,
    ready: Callable[[int], None] | None = None,
    notifier: Notifier | None = None,
    children: dict[str, Started] | None = None,
) -> None:
    """Run until SIGTERM/SIGINT (or wake.stopping); ``children`` were started by launch.py."""
    loop = asyncio.get_running_loop()
    notifier = notifier or Notifier.from_env()
    holder = SettingsHolder(settings)
    metrics = Metrics()
    engine = make_engine(
        settings.database.url, busy_timeout_seconds=settings.database.busy_timeout_seconds
    )
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        sync_directory(session, settings)
    released = release_own_claims(sessions, settings.database.url)
    pipeline = Pipeline(
        settings=settings,
        sessions=sessions,
        renderer=ReplyRenderer(settings),
        clock=clock,
        worker=f"{socket.gethostname()}:{os.getpid()}",
    )
    early = children or {}
    worker = WorkerProcess("worker", settings, sessions, process_alive, early.get("worker"))
    sender = WorkerProcess("sender", settings, sessions, process_alive, early.get("sender"))
    wake = Wakeups()
    store_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="store")
    work_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="work")

    def store(
        raw: bytes, mailbox: str, mail_from: str | None, rcpt: tuple[str, ...], peer: str | None
    ) -> StoreResult:
        arrival = Arrival("smtp", mailbox, clock(), mail_from, rcpt, peer)
        return store_raw(sessions, raw, arrival)

    def on_stored() -> None:
        metrics.received.labels(source="smtp").inc()
        if handler.accept_times:  # appended just before this callback, for this message
            metrics.time_to_250.observe(handler.accept_times[-1])
        wake.inbox.set()

    def on_imap_received(count: int) -> None:
        metrics.received.labels(source="imap").inc(count)  # thread-safe

    def read_status() -> QueueStatus:
        with sessions.begin() as session:
            return read_queue_status(session, clock())

    async def read_queues() -> QueueStatus:
        return await loop.run_in_executor(None, read_status)

    async def in_pool(func: Callable[..., object], *args: object) -> object:
        return await loop.run_in_executor(work_pool, func, *args)

    handler = SupportHandler(
        settings.smtp, store, store_pool, on_stored, limits=EdgeLimits(settings.security)
    )
    tls = _tls_context(settings)
    server = await loop.create_server(
        lambda: SupportSMTP(
            handler,
            max_sessions=settings.smtp.max_sessions,
            data_size_limit=settings.smtp.max_message_bytes,
            enable_SMTPUTF8=True,
            decode_data=False,
            timeout=settings.smtp.timeout_seconds,
            tls_context=tls,
            hostname=settings.smtp.addresses[0].partition("@")[2],
        ),
        host=settings.smtp.host,
        port=settings.smtp.port,
        reuse_address=True,
    )
    port = server.sockets[0].getsockname()[1]
    monitor = Monitor(metrics, read_queues, server.is_serving, settings.oauth2)
    http, http_address = await _start_monitoring(settings, monitor)
    portal = (
        PortalServer(
            settings, sessions, clock, wake.inbox.set, wake.outbox.set, lambda: holder.current
        )
        if settings.portal is not None
        else None
    )
    portal_address = await portal.start() if portal is not None else None
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, wake.stopping.set)
    loop.add_signal_handler(signal.SIGHUP, wake.request_reload)
    # Both children started with serve (launch.py); their imports overlapped serve's own.
    # Awaited before the pollers, which take mail out of INBOX as soon as they run.
    await loop.run_in_executor(None, worker.wait_started)
    await loop.run_in_executor(None, sender.wait_started)
    # After the listener, so a poller never stores mail a failed start would leave unprocessed.
    pollers = ImapPollers.start(
        settings.imap.mailboxes,
        sessions,
        _from_thread(loop, wake.inbox.set),
        clock,
        on_received=on_imap_received,
        locks=session_locks(settings.database.url),
    )
    log.info(
        "serve_started",
        smtp=f"{settings.smtp.host}:{port}",
        imap=[m.key for m in settings.imap.mailboxes],
        outbound=settings.outbound.mode,
        released_claims=released,
        starttls=tls is not None,
        monitoring=http_address,
        portal=portal_address,
        sd_notify=notifier.enabled,
        watchdog_seconds=notifier.watchdog_interval,
    )
    notifier.send(READY=1, STATUS="serving", MAINPID=os.getpid())
    if ready is not None:
        ready(port)
    wake.inbox.set()

    async def reload() -> None:
        if await in_pool(reload_settings, holder, pipeline, sessions):
            await worker.apply_settings(holder.current)
            await sender.apply_settings(holder.current)

    tasks = [
        asyncio.create_task(
            run_worker(worker, wake, metrics=metrics, reload=reload), name="worker"
        ),
        asyncio.create_task(run_sender(settings, sender, clock, wake), name="sender"),
        asyncio.create_task(
            run_scheduler(pipeline, sessions, clock, wake, in_pool, metrics),
            name="scheduler",
        ),
    ]
    # The watchdog returns at once when systemd set none: only the workers' end stops serve.
    stop_waiter = asyncio.create_task(wake.stopping.wait())
    tasks += [
        asyncio.create_task(run_watchdog(notifier, wake.stopping), name="watchdog"),
        asyncio.create_task(
            run_status(notifier, metrics, read_queues, wake.stopping), name="status"
        ),
    ]
    await asyncio.wait([*tasks[:3], stop_waiter], return_when=asyncio.FIRST_COMPLETED)
    wake.stopping.set()
    notifier.send(STOPPING=1, STATUS="stopping: finishing the message in hand")
    log.info("serve_stopping")
    loop.remove_signal_handler(signal.SIGHUP)
    server.close()
    await server.wait_closed()
    if http is not None:
        http.close()
        await http.wait_closed()
    if portal is not None:
        await portal.stop()
    await loop.run_in_executor(None, pollers.stop)  # each finishes the message in hand
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for task, result in zip(tasks, results, strict=True):
        if isinstance(result, BaseException):
            log.error("task_failed", task=task.get_name(), error=repr(result))
    store_pool.shutdown(wait=True)
    work_pool.shutdown(wait=True)
    # Both children end at once: each stop waits for an interpreter to exit, and one after the
    # other added the two waits to every stop (nothing is in hand: the tasks have finished).
    await asyncio.gather(
        loop.run_in_executor(None, worker.stop), loop.run_in_executor(None, sender.stop)
    )
    engine.dispose()
    log.info("serve_stopped")
    if any(isinstance(r, BaseException) for r in results):
        raise RuntimeError("a background task failed; see the log")
