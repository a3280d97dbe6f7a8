"""``serve``: the SMTP listener, and the tasks that drive processing and delivery, in one loop.

Database work is synchronous SQLAlchemy, so the edges' stores run in a thread pool; the event
loop only moves bytes and wakes tasks. Processing and delivery run in two child processes
(worker_process.py) at a lower priority, so their CPU work never holds this interpreter while
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
between two messages. ``[monitoring]`` adds /healthz and /metrics (monitoring.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import ssl
import sys
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

import structlog
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from zsupport_mail.clock import Clock, clock_from_env, utc_now
from zsupport_mail.config import Settings
from zsupport_mail.db.advisory import session_locks
from zsupport_mail.db.models import InboundMessage
from zsupport_mail.db.repos import sync_directory
from zsupport_mail.db.session import make_engine, make_session_factory
from zsupport_mail.edges.imap import ImapPollers
from zsupport_mail.edges.ratelimit import EdgeLimits
from zsupport_mail.edges.smtp import SupportHandler, SupportSMTP
from zsupport_mail.heartbeat import run_status, run_watchdog
from zsupport_mail.inbox import (
    TRANSIENT_DB_ERRORS,
    Arrival,
    StoreResult,
    release_dead_claims,
    store_raw,
)
from zsupport_mail.instance_lock import InstanceLock, InstanceLockedError, lock_path
from zsupport_mail.jobs import sla_tick
from zsupport_mail.metrics import Metrics
from zsupport_mail.monitoring import Monitor
from zsupport_mail.notify import Notifier
from zsupport_mail.outbox import DeliveryReport
from zsupport_mail.pipeline import Outcome, Pipeline
from zsupport_mail.queue_status import QueueStatus, read_queue_status
from zsupport_mail.reload import SettingsHolder, reload_settings
from zsupport_mail.replies import ReplyRenderer
from zsupport_mail.worker_process import WorkerDatabaseError, WorkerDiedError, WorkerProcess

log = structlog.get_logger("zsupport_mail.service")
RECHECK_SECONDS = 5.0
# The database away, locked or full: met in this process, or reported by a child process.
DATABASE_AWAY = (*TRANSIENT_DB_ERRORS, WorkerDatabaseError)
DB_RETRY_CAP_SECONDS = 30.0


@dataclass
class Wakeups:
    """Events that tell the background tasks there is new work."""

    inbox: asyncio.Event = field(default_factory=asyncio.Event)
    outbox: asyncio.Event = field(default_factory=asyncio.Event)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    reload: asyncio.Event = field(default_factory=asyncio.Event)

    def request_reload(self) -> None:
        """SIGHUP: the worker reloads before its next message (and wakes up to do so)."""
        self.reload.set()
        self.inbox.set()


async def _wait(event: asyncio.Event, stopping: asyncio.Event, timeout: float) -> None:
    """Until event or stopping is set, or timeout passes; then clear event."""
    waiters = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(stopping.wait())]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
    event.clear()


class DatabaseWait:
    """Backoff after a transient database error, so a task outlives a database outage.

    The database being away, locked by another process or full fails every message alike; the
    task logs it, waits 1, 2, 4 ... DB_RETRY_CAP_SECONDS (or until stopping) and tries again,
    instead of ending and taking serve down with it.
    """

    def __init__(self, task: str, stopping: asyncio.Event) -> None:
        self.task = task
        self.stopping = stopping
        self.failures = 0

    async def after(self, exc: Exception) -> None:
        self.failures += 1
        delay = min(DB_RETRY_CAP_SECONDS, 2.0 ** min(self.failures - 1, 10))
        # The driver's message only: SQLAlchemy's own text carries the statement's parameters.
        error = str(getattr(exc, "orig", None) or exc).strip()
        log.warning(
            "database_unavailable",
            task=self.task,
            error=error,
            failures=self.failures,
            retry_in=delay,
        )
        await _wait(asyncio.Event(), self.stopping, delay)

    def recovered(self) -> None:
        if self.failures:
            log.info("database_available", task=self.task, failures=self.failures)
            self.failures = 0


class WorkerCalls(Protocol):
    """What run_worker needs of the processing worker (worker_process.WorkerProcess)."""

    async def process_next(self) -> Outcome | None: ...

    async def release_claims(self) -> int: ...


async def run_worker(
    worker: WorkerCalls,
    wake: Wakeups,
    *,
    metrics: Metrics | None = None,
    reload: Callable[[], Awaitable[object]] | None = None,
) -> None:
    """Process due inbox messages one at a time until stopping; reload between two when asked.

    After a database failure the message in hand may still be claimed (recording the failure
    needs the database too): the claim is released first once the database answers again.
    A worker process that died is replaced (WorkerProcess) and the loop goes on.
    """
    database = DatabaseWait("worker", wake.stopping)
    while not wake.stopping.is_set():
        if wake.reload.is_set():
            wake.reload.clear()
            if reload is not None:
                await reload()
        try:
            if database.failures:
                await worker.release_claims()
            outcome = await worker.process_next()
        except DATABASE_AWAY as exc:
            await database.after(exc)
            continue
        except WorkerDiedError:
            continue
        database.recovered()
        if outcome is None:
            await _wait(wake.inbox, wake.stopping, RECHECK_SECONDS)
            continue
        wake.outbox.set()
        if metrics is not None:
            metrics.count_outcome(outcome.action)


async def run_scheduler(
    pipeline: Pipeline,
    sessions: sessionmaker[Session],
    clock: Clock,
    wake: Wakeups,
    run: Callable[..., Awaitable[object]],
    metrics: Metrics | None = None,
) -> None:
    """The SLA tick (jobs.sla_tick) every sla.tick_seconds until stopping.

    Reads the pipeline's settings on every tick, so a SIGHUP reload of the clients (and their
    calendars) applies to the next tick. Breaches it records are counted in metrics.
    """
    never = asyncio.Event()
    database = DatabaseWait("scheduler", wake.stopping)
    while not wake.stopping.is_set():
        settings = pipeline.settings
        try:
            alerts = await run(sla_tick, sessions, settings, pipeline.renderer, clock())
        except TRANSIENT_DB_ERRORS as exc:
            await database.after(exc)
            continue
        database.recovered()
        if isinstance(alerts, list) and alerts:
            wake.outbox.set()
            if metrics is not None:
                metrics.count_alerts(alerts)
        await _wait(never, wake.stopping, settings.sla.tick_seconds)


class SenderCalls(Protocol):
    """What run_sender needs of the outbox sender (worker_process.WorkerProcess)."""

    async def deliver_due(self, now: datetime) -> DeliveryReport: ...


async def run_sender(
    settings: Settings,
    sender: SenderCalls,
    clock: Clock,
    wake: Wakeups,
) -> None:
    """Deliver due outbox mail until stopping.

    While the relay is unreachable, new mail does not wake the sender: it waits out its own
    backoff (outbound.retry_base_seconds doubling up to retry_max_seconds) and then starts
    again from the oldest queued mail, so mail leaves in the order it was queued.
    """
    database = DatabaseWait("sender", wake.stopping)
    never = asyncio.Event()
    relay_failures = 0
    while not wake.stopping.is_set():
        try:
            report = await sender.deliver_due(clock())
        except DATABASE_AWAY as exc:
            await database.after(exc)
            continue
        except WorkerDiedError:
            continue
        database.recovered()
        if report.relay_unavailable:
            relay_failures += 1
            delay = settings.outbound.retry_base_seconds * 2 ** min(relay_failures - 1, 20)
            await _wait(never, wake.stopping, min(delay, settings.outbound.retry_max_seconds))
            continue
        relay_failures = 0
        await _wait(wake.outbox, wake.stopping, RECHECK_SECONDS)


def _process_alive(pid: int) -> bool:
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
        return release_dead_claims(sessions, socket.gethostname(), _process_alive)
    with sessions.begin() as session:
        result = session.execute(
            update(InboundMessage)
            .where(InboundMessage.status == "processing")
            .values(status="pending", claimed_by=None, claimed_at=None)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


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
) -> None:
    """Run until SIGTERM/SIGINT (or wake.stopping)."""
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
    worker = WorkerProcess("worker", settings, sessions, _process_alive)
    sender = WorkerProcess("sender", settings, sessions, _process_alive)
    wake = Wakeups()
    store_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="store")
    work_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="work")

    def store(
        raw: bytes, mailbox: str, mail_from: str | None, rcpt: tuple[str, ...]
    ) -> StoreResult:
        arrival = Arrival("smtp", mailbox, clock(), mail_from, rcpt)
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
    monitor = Monitor(metrics, read_queues, server.is_serving)
    http, http_address = await _start_monitoring(settings, monitor)
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, wake.stopping.set)
    loop.add_signal_handler(signal.SIGHUP, wake.request_reload)
    # Both children started above, together; their imports overlapped the listener's start.
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
    await loop.run_in_executor(None, pollers.stop)  # each finishes the message in hand
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for task, result in zip(tasks, results, strict=True):
        if isinstance(result, BaseException):
            log.error("task_failed", task=task.get_name(), error=repr(result))
    store_pool.shutdown(wait=True)
    work_pool.shutdown(wait=True)
    worker.stop()
    sender.stop()
    engine.dispose()
    log.info("serve_stopped")
    if any(isinstance(r, BaseException) for r in results):
        raise RuntimeError("a background task failed; see the log")


def serve(settings: Settings) -> int:
    """Blocking entry point for the CLI; returns the exit code.

    On SQLite the instance lock is taken first: a second serve on the same file exits 1 at
    once, naming the holder, before it listens or changes anything.
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
    try:
        asyncio.run(serve_async(settings, clock=clock_from_env()))
    except OSError as exc:
        log.error("serve_failed", error=str(exc))
        return 1
    finally:
        if held is not None:
            held.release()
    return 0
