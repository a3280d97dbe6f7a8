"""Helpers for the fault tests: an SMTP client that retries like an MTA, and the ledger checks.

MtaClient keeps every message that did not get a 250 and offers it again later, as a sending
MTA does after a 4xx or a dropped connection; it records every answer, so a test can say which
messages the daemon promised to keep. It can hold some messages back mid-transaction (after
RCPT, before DATA) until the test releases them, so a test that kills the daemon on an observed
count always kills it with mail still to come and a session open, however fast the machine.
The ledger checks read the database directly: each accepted Message-ID on exactly one ticket,
once; each ticket acknowledged exactly once.
"""

from __future__ import annotations

import smtplib
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from tests.helpers import SUPPORT, make_mail
from zsupport_mail.db.models import InboundMessage, OutboundMessage, Ticket, TicketMessage
from zsupport_mail.db.session import make_engine, make_session_factory

SENDER = "dana@acmedental.example"
HOLD_SECONDS = 120  # a held message's longest wait: far beyond any test's own deadline


def numbered_reports(count: int, prefix: str) -> dict[str, bytes]:
    """Distinct complete reports from an authorised contact: Message-ID -> raw bytes."""
    mails = {}
    for number in range(count):
        message_id = f"<{prefix}-{number}@acmedental.example>"
        mails[message_id] = make_mail(
            subject=f"Phones drop calls ({prefix} {number})", message_id=message_id
        )
    return mails


@dataclass
class Answer:
    message_id: str
    code: int
    text: str
    at: float  # time.monotonic() when the answer came


@dataclass
class MtaClient:
    """Offers `mails` to the daemon until each got 250; 4xx and lost connections mean later."""

    mails: dict[str, bytes]
    per_connection: int = 50
    # Each of these waits in its open session, after RCPT and before DATA, until `release` is
    # set (for at most HOLD_SECONDS); the rest go at once.
    held: frozenset[str] = frozenset()
    release: threading.Event = field(default_factory=threading.Event)
    pending: dict[str, bytes] = field(init=False)
    accepted: list[str] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    dropped: int = 0  # sessions that ended in a connection error
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        self.pending = dict(self.mails)

    def offer_once(self, port: int) -> bool:
        """Offer every pending message once; False when the server went away meanwhile."""
        batch = list(self.pending)
        for start in range(0, len(batch), self.per_connection):
            try:
                self._session(port, batch[start : start + self.per_connection])
            except (OSError, smtplib.SMTPException):  # refused, reset, disconnected, 421
                with self._changed:
                    self.dropped += 1
                    self._changed.notify_all()
                return False
        return True

    def _session(self, port: int, message_ids: list[str]) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
            client.ehlo()
            for message_id in message_ids:
                self._send(client, message_id)

    def _send(self, client: smtplib.SMTP, message_id: str) -> None:
        code, text = client.mail(SENDER)
        if code == 250:
            code, text = client.rcpt(SUPPORT)
        if code == 250 and message_id in self.held:
            self._wait_release()
        if code == 250:
            code, text = client.data(self.pending[message_id])
        answer = Answer(message_id, code, text.decode(errors="replace"), time.monotonic())
        with self._changed:
            self.answers.append(answer)
            if code == 250:
                self.accepted.append(message_id)
                del self.pending[message_id]
            self._changed.notify_all()
        if code >= 500:
            raise AssertionError(f"{message_id} refused permanently: {code} {answer.text}")
        if code != 250:
            client.rset()

    def _wait_release(self) -> None:
        if not self.release.wait(HOLD_SECONDS):
            raise AssertionError(f"held messages not released within {HOLD_SECONDS}s")

    def offer_until_gone(self, port: int) -> None:
        """Keep offering (a thread's target) until all is accepted or the server is gone."""
        while self.pending and self.offer_once(port):
            pass

    def deliver_all(self, port: int, timeout: float = 60, retry_every: float = 0.2) -> None:
        """Retry what is pending until each message got 250 (an MTA's queue run, sped up)."""
        deadline = time.monotonic() + timeout
        while self.pending:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.pending)} messages still refused: {self.codes()}")
            if not self.offer_once(port) or self.pending:
                time.sleep(retry_every)  # the retry interval of the MTA being played

    def wait_accepted(self, count: int, timeout: float = 60) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.accepted) >= count, timeout):
                raise AssertionError(f"only {len(self.accepted)} of {count} accepted")

    def wait_answer(self, code: int, timeout: float = 60) -> Answer:
        """The first answer with this code (waiting for it)."""
        with self._changed:
            self._changed.wait_for(lambda: any(a.code == code for a in self.answers), timeout)
            found = [a for a in self.answers if a.code == code]
        if not found:
            raise AssertionError(f"no {code} answer in {timeout}s: {self.codes()}")
        return found[0]

    def codes(self) -> Counter[int]:
        with self._changed:
            return Counter(a.code for a in self.answers)


class Ledger:
    """What the database says became of the mail (a fresh engine per read)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def _scalars(self, query):
        engine = make_engine(self.url)
        try:
            with make_session_factory(engine).begin() as session:
                return session.execute(query).all()
        finally:
            engine.dispose()

    def statuses(self) -> dict[str, int]:
        return dict(
            self._scalars(
                select(InboundMessage.status, func.count()).group_by(InboundMessage.status)
            )
        )

    def drained(self, inbound: int) -> bool:
        """`inbound` rows stored, all processed, no reply left to send."""
        rows = dict(
            self._scalars(
                select(InboundMessage.status, func.count()).group_by(InboundMessage.status)
            )
        )
        queued = self._scalars(select(func.count()).where(OutboundMessage.status == "queued"))[0][0]
        return rows.get("done", 0) == inbound and sum(rows.values()) == inbound and not queued

    def wait_drained(self, inbound: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not self.drained(inbound):
            if time.monotonic() > deadline:
                claims = self._scalars(
                    select(InboundMessage.id, InboundMessage.claimed_by, InboundMessage.attempts)
                    .where(InboundMessage.status == "processing")
                    .limit(5)
                )
                raise AssertionError(
                    f"not drained to {inbound} messages in {timeout}s: {self.statuses()}; "
                    f"claimed (id, by, attempts): {[tuple(row) for row in claims]}"
                )
            time.sleep(0.1)  # polling the database for a condition, with a deadline

    def stored(self) -> int:
        """How many inbox rows are stored, whatever their status."""
        return int(self._scalars(select(func.count()).select_from(InboundMessage))[0][0])

    def wait_stored(self, count: int, timeout: float = 60) -> int:
        """Poll until at least `count` inbox rows are stored; returns the count seen."""
        deadline = time.monotonic() + timeout
        while (stored := self.stored()) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"only {stored} of {count} messages stored in {timeout}s")
            time.sleep(0.02)  # polling the database for a condition, with a deadline
        return stored

    def inbound_copies(self) -> Counter[str]:
        """Message-ID -> how many times it is stored on a ticket (inbound messages)."""
        rows = self._scalars(
            select(TicketMessage.message_id).where(TicketMessage.direction == "inbound")
        )
        return Counter(str(mid) for (mid,) in rows)

    def stored_copies(self) -> Counter[str]:
        rows = self._scalars(select(InboundMessage.header_message_id))
        return Counter(str(mid) for (mid,) in rows)

    def tickets(self) -> int:
        return int(self._scalars(select(func.count()).select_from(Ticket))[0][0])

    def replies_per_ticket(self) -> Counter[int]:
        """Ticket id -> outbox rows addressed to the client (acknowledgements and notices)."""
        rows = self._scalars(
            select(OutboundMessage.ticket_id, OutboundMessage.status).where(
                OutboundMessage.ticket_id.is_not(None)
            )
        )
        assert {status for _, status in rows} <= {"sent"}, Counter(s for _, s in rows)
        return Counter(int(ticket) for ticket, _ in rows)

    def reply_ids_in_queue_order(self) -> list[str]:
        rows = self._scalars(select(OutboundMessage.message_id).order_by(OutboundMessage.id))
        return [str(mid) for (mid,) in rows]

    def assert_each_once(self, message_ids: Iterable[str]) -> None:
        """Each message on exactly one ticket, once, and nothing else on any ticket."""
        expected = set(message_ids)
        on_tickets = self.inbound_copies()
        missing = expected - set(on_tickets)
        doubled = {mid: n for mid, n in on_tickets.items() if n > 1}
        extra = set(on_tickets) - expected
        assert not missing, f"{len(missing)} accepted messages on no ticket: {sorted(missing)[:5]}"
        assert not doubled, f"messages stored twice on tickets: {doubled}"
        assert not extra, f"messages nobody sent: {sorted(extra)[:5]}"
        stored = self.stored_copies()
        assert set(stored) == expected, "inbox rows of messages nobody sent"
        assert set(stored.values()) == {1}, "inbox rows doubled"
