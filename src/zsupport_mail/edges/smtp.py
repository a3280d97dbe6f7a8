"""The SMTP edge: receive bytes, commit one inbox row, answer 250. Nothing else.

RCPT is checked against the support addresses (550 5.1.1 otherwise: never an open relay);
source routes are refused outright, because aiosmtpd would silently drop the route and hand
over only the final mailbox. MAIL is counted against the [security] rate limits
(ratelimit.py): 421 4.7.0 per client IP (and the connection is closed), 450 4.7.1 per sender.
DATA stores the raw bytes off the event loop and answers 250 only after the commit; a storage
failure answers 451 4.3.0 (452 4.3.1 when the disk or database is full, RFC 3463) so the
sending MTA keeps the message and retries. Sender authorisation is deliberately *not* checked
here: refusing at SMTP time leaks the contact list and bounces to forged senders; the intake
chain decides after acceptance.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, AnyStr

import structlog
from aiosmtpd.smtp import SMTP, Envelope, Session, syntax

from zsupport_mail.edges.ratelimit import EdgeLimits
from zsupport_mail.mail.addresses import AddressError, normalize_address
from zsupport_mail.queues.inbox import StoreResult, storage_full
from zsupport_mail.settings import SmtpSettings

log = structlog.get_logger("zsupport_mail.edges.smtp")

# (raw, mailbox, envelope sender, recipients, the client's IP address) -> the stored row
StoreFunc = Callable[[bytes, str, str | None, tuple[str, ...], str | None], StoreResult]

# aiosmtpd's own wording has no enhanced status codes (RFC 3463); MTAs log these verbatim.
_TOO_BIG = "552 5.3.4 Message size exceeds fixed maximum message size"
# RCPT TO:<@relay.example:user@host> (RFC 5321 4.1.1.3 lets us decline the relaying it implies).
_SOURCE_ROUTE = re.compile(r"^\s*TO:\s*<\s*@", re.IGNORECASE)
# RCPT TO:<user@host.>: the root dot is no part of the domain; aiosmtpd's parser refuses it.
_TRAILING_DOT = re.compile(r"(@[^<>@\s]+?)\.>")
_STORE_FAILED = "451 4.3.0 Temporary storage failure, please try again later"
_STORE_FULL = "452 4.3.1 Insufficient system storage"
_ENHANCED = {
    "552 Error: Too much mail data": _TOO_BIG,
    "552 Error: message size exceeds fixed maximum message size": _TOO_BIG,
}


def _peer_ip(session: Session) -> str | None:
    """The client's IP address, kept with the message for [staff] trusted_relays."""
    peer = session.peer
    return str(peer[0])[:64] if isinstance(peer, tuple) and peer else None


class SupportSMTP(SMTP):
    """aiosmtpd's SMTP with enhanced status codes and a concurrent-session limit."""

    def __init__(self, handler: SupportHandler, *, max_sessions: int, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._max_sessions = max_sessions
        self._counted = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Greet the client, or answer 421 and close when over the session or per-IP limit."""
        handler: SupportHandler = self.event_handler
        if handler.open_sessions >= self._max_sessions:
            assert isinstance(transport, asyncio.WriteTransport)
            transport.write(b"421 4.7.0 Too many connections, try again later\r\n")
            transport.close()
            log.warning(
                "session_refused", reason="concurrent session limit", limit=self._max_sessions
            )
            return
        refusal = handler.refusal_at_connect(transport.get_extra_info("peername"))
        if refusal is not None:
            assert isinstance(transport, asyncio.WriteTransport)
            transport.write(f"{refusal}\r\n".encode())
            transport.close()
            return
        handler.open_sessions += 1
        self._counted = True
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        """Free the session's slot; a connection refused at connect never took one."""
        if self._counted:
            self.event_handler.open_sessions -= 1
            self._counted = False
            super().connection_lost(error)

    async def push(self, status: AnyStr) -> None:
        """Send a reply with aiosmtpd's wording given enhanced codes; close after any 421."""
        if isinstance(status, str):
            await super().push(_ENHANCED.get(status, status))
            if status.startswith("421 ") and self.transport is not None:
                self.transport.close()  # 421 means the server closes (RFC 5321 3.8)
        else:
            await super().push(status)

    @syntax("RCPT TO: <address>", extended=" [SP <mail-parameters>]")
    async def smtp_RCPT(self, arg: str | None) -> None:
        """Refuse source routes before aiosmtpd strips them; accept a root dot on our domain."""
        if arg is not None and self.envelope is not None and self.envelope.mail_from:
            if _SOURCE_ROUTE.match(arg):
                log.info(
                    "recipient_refused",
                    recipient=arg[3:].strip(),
                    peer=str(self.session.peer if self.session else None),
                )
                await self.push("550 5.1.1 Source routes are not accepted here")
                return
            arg = _TRAILING_DOT.sub(r"\1>", arg, count=1)
        await super().smtp_RCPT(arg)


class SupportHandler:
    """aiosmtpd handler hooks for the support addresses."""

    def __init__(
        self,
        settings: SmtpSettings,
        store: StoreFunc,
        executor: Executor | None,
        on_stored: Callable[[], None],
        limits: EdgeLimits | None = None,
    ) -> None:
        self._addresses = frozenset(settings.addresses)
        self._limits = limits
        self._max_recipients = settings.max_recipients
        self._max_messages = settings.max_messages_per_connection
        self._store = store
        self._executor = executor
        self._on_stored = on_stored
        self.open_sessions = 0
        self.accept_times: list[float] = []

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        """Accept a sender within the rate limits and the per-connection message limit."""
        refusal = self._rate_refusal(session, address)
        if refusal is not None:
            return refusal
        count = getattr(session, "zs_messages", 0)
        if count >= self._max_messages:
            return "452 4.5.3 Too many messages in this session, please reconnect"
        session.zs_messages = count + 1  # type: ignore[attr-defined]
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    def refusal_at_connect(self, peername: object) -> str | None:
        """The per-IP rate limit's answer to a new connection, or None to let it in."""
        if self._limits is None or not isinstance(peername, tuple):
            return None
        return self._limits.check_connect(str(peername[0]))

    def _rate_refusal(self, session: Session, address: str) -> str | None:
        """The [security] rate limits' answer to this MAIL, or None when within them."""
        if self._limits is None:
            return None
        peer = session.peer
        ip = str(peer[0]) if isinstance(peer, tuple) else str(peer)
        return self._limits.check_mail(ip, address)

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        """Accept only our support addresses (never an open relay), up to max_recipients."""
        try:
            mailbox = normalize_address(address)
        except AddressError:
            mailbox = ""
        # A source route, percent hack or quoted local part never normalises to one of ours.
        if mailbox not in self._addresses or "%" in address or address.startswith("@"):
            log.info("recipient_refused", recipient=address, peer=str(session.peer))
            return f"550 5.1.1 <{address}>: recipient not served here"
        if len(envelope.rcpt_tos) >= self._max_recipients:
            return "452 4.5.3 Too many recipients"
        if mailbox not in envelope.rcpt_tos:
            envelope.rcpt_tos.append(mailbox)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Store one inbox row per recipient off the loop; 250 only once all are committed."""
        started = time.perf_counter()
        raw = envelope.original_content or b""
        loop = asyncio.get_running_loop()
        try:
            results = [
                await loop.run_in_executor(
                    self._executor,
                    self._store,
                    raw,
                    mailbox,
                    envelope.mail_from,
                    tuple(envelope.rcpt_tos),
                    _peer_ip(session),
                )
                for mailbox in envelope.rcpt_tos
            ]
        except Exception as exc:
            full = storage_full(exc)
            log.error(
                "message_store_failed", error=repr(exc), storage_full=full, peer=str(session.peer)
            )
            return _STORE_FULL if full else _STORE_FAILED
        self.accept_times.append(time.perf_counter() - started)
        del self.accept_times[:-1000]
        self._on_stored()
        ids = ",".join(str(r.inbound_id) for r in results)
        log.info(
            "message_received",
            source="smtp",
            inbound_ids=ids,
            size=len(raw),
            duplicate=all(r.duplicate for r in results),
            mail_from=envelope.mail_from,
        )
        return f"250 2.0.0 OK queued as {ids}"

    async def handle_exception(self, error: Exception) -> str:
        """Log an unexpected error and answer 451, so the sender keeps the mail and retries."""
        log.error("smtp_session_error", error=repr(error))
        return "451 4.3.0 Internal error, please try again later"
