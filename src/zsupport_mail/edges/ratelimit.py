"""Rate limits at the SMTP edge: messages per client IP and per envelope sender.

A token bucket per key (capacity = the limit, refilled evenly over the window), counted per
MAIL command as Postfix's smtpd_client_message_rate_limit counts "message delivery
requests". In memory on purpose: a limit only has to hold while the flood lasts, a restart
forgets it, and a database write per MAIL would be the cost the limit exists to avoid.
Our own relays (``security.rate_limit_exempt_ips``, loopback by default: a local Postfix
hands over everything from 127.0.0.1) are never limited, so the limit never defers our own
MTA's queue; behind such a relay, set the limits in the relay instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from zsupport_mail.mail.addresses import AddressError, normalize_address
from zsupport_mail.settings import SecuritySettings

log = structlog.get_logger("zsupport_mail.edges.ratelimit")

IP_REFUSAL = "421 4.7.0 Too many messages from your address, try again later"
SENDER_REFUSAL = "450 4.7.1 Too many messages from this sender, try again later"
_MAX_KEYS = 100_000  # past this, idle buckets are dropped so a scan cannot exhaust memory


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """``limit`` events per ``window`` seconds per key, in bursts of at most ``limit``."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float]) -> None:
        self.limit = limit
        self._rate = limit / window
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> bool:
        """Spend one token for key; False (and nothing spent) when none is left."""
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= _MAX_KEYS:
                self._forget_full(now)
            bucket = self._buckets[key] = _Bucket(float(self.limit), now)
        bucket.tokens = min(self.limit, bucket.tokens + (now - bucket.updated) * self._rate)
        bucket.updated = now
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True

    def available(self, key: str) -> bool:
        """Whether key could spend a token now (nothing is spent or created)."""
        bucket = self._buckets.get(key)
        if bucket is None:
            return True
        return bucket.tokens + (self._clock() - bucket.updated) * self._rate >= 1

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled: forgetting them changes no answer."""
        for key, bucket in list(self._buckets.items()):
            if bucket.tokens + (now - bucket.updated) * self._rate >= self.limit:
                del self._buckets[key]


def _sender_key(address: str) -> str:
    if address.strip() in ("", "<>"):
        return "<>"  # bounces share one bucket: they carry no sender to tell apart
    try:
        return normalize_address(address)
    except AddressError:
        return address.strip().lower()


class EdgeLimits:
    """The [security] rate limits, answering at MAIL with an SMTP refusal or None."""

    def __init__(
        self, settings: SecuritySettings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._settings = settings
        ip_limit = settings.max_messages_per_ip_per_minute
        sender_limit = settings.max_messages_per_sender_per_hour
        self._per_ip = TokenBuckets(ip_limit, 60, clock) if ip_limit else None
        self._per_sender = TokenBuckets(sender_limit, 3600, clock) if sender_limit else None

    def check_connect(self, ip: str) -> str | None:
        """At connect: refuse an IP whose budget is already spent, before any dialogue."""
        if self._per_ip is None or self._settings.exempt(ip) or self._per_ip.available(ip):
            return None
        log.warning(
            "smtp_rate_limited",
            scope="ip",
            stage="connect",
            peer_ip=ip,
            limit=f"{self._per_ip.limit}/minute",
            reason="security.max_messages_per_ip_per_minute reached",
        )
        return IP_REFUSAL

    def check_mail(self, ip: str, sender: str) -> str | None:
        """Count one MAIL from ip for sender; the refusal to answer, or None to go on."""
        if self._settings.exempt(ip):
            return None
        if self._per_ip is not None and not self._per_ip.take(ip):
            log.warning(
                "smtp_rate_limited",
                scope="ip",
                stage="mail",
                peer_ip=ip,
                mail_from=sender,
                limit=f"{self._per_ip.limit}/minute",
                reason="security.max_messages_per_ip_per_minute reached",
            )
            return IP_REFUSAL
        key = _sender_key(sender)
        if self._per_sender is not None and not self._per_sender.take(key):
            log.warning(
                "smtp_rate_limited",
                scope="sender",
                stage="mail",
                peer_ip=ip,
                mail_from=key,
                limit=f"{self._per_sender.limit}/hour",
                reason="security.max_messages_per_sender_per_hour reached",
            )
            return SENDER_REFUSAL
        return None
