"""The optional features' sections: billing rates, raw-mail retention and the web portal.

Kept apart from ``schema`` (the daemon's core sections) so each module stays one screenful
of a kind; ``schema.Settings`` holds them, and ``settings`` exports them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal


@dataclass(frozen=True)
class BillingSettings:
    """Billable time ([billing]): the hourly labour rate; overtime is billed at 1.5 times it."""

    hourly_rate: Decimal | None = None  # None: hours are recorded without an amount
    overtime_factor: Decimal = Decimal("1.5")  # the contract's "1 1/2 times"


@dataclass(frozen=True)
class RetentionSettings:
    """How long raw mail is kept ([retention]); None keeps it for ever (the default)."""

    keep_raw_after_close: timedelta | None = None  # after a ticket closes, then purged daily


@dataclass(frozen=True)
class PortalSettings:
    """The clients' web portal ([portal]); absent section = no portal.

    ``base_url`` is what sign-in links in mail point to (and https there makes the session
    cookie Secure); the sign-in limits count requests per hour, per address and per client IP.
    """

    host: str = "127.0.0.1"
    port: int = 8080
    base_url: str = "http://127.0.0.1:8080"
    max_signins_per_address_per_hour: int = 5
    max_signins_per_ip_per_hour: int = 30

    @property
    def secure_cookies(self) -> bool:
        """Cookies carry Secure when the portal is reached over https."""
        return self.base_url.lower().startswith("https://")
