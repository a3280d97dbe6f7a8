"""Prometheus metrics of one ``serve`` process, in a registry of their own.

``serve`` creates one Metrics per run and passes it to whatever counts (the edges' callbacks,
the worker loop); nothing here is a module-level global, so tests and a second serve in one
process never share counts. Gauges are queue depths read from the database just before each
scrape (and with every sd_notify STATUS), so they are right even with several instances.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from zsupport_mail.queues.status import SLA_TARGETS, QueueStatus

if TYPE_CHECKING:  # jobs pulls in the reply machinery; metrics only needs the alert's key
    from zsupport_mail.runtime.jobs import Alert

# Storing is a database commit: milliseconds normally, seconds when the disk or PostgreSQL stalls.
_TIME_TO_250_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@dataclass
class Metrics:
    """The daemon's counters, gauges and histogram, registered in ``registry``."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        reg = self.registry
        self.received = Counter(
            "messages_received", "Messages stored in the inbox, by edge", ["source"], registry=reg
        )
        self.processed = Counter(
            "messages_processed", "Messages processed, by outcome", ["action"], registry=reg
        )
        self.quarantined = Counter(
            "messages_quarantined", "Messages put in quarantine", registry=reg
        )
        self.inbox_pending = Gauge("inbox_pending", "Inbox messages waiting", registry=reg)
        self.outbox_pending = Gauge("outbox_pending", "Outbox mail queued", registry=reg)
        self.outbox_failed = Gauge("outbox_failed", "Outbox mail failed for good", registry=reg)
        self.time_to_250 = Histogram(
            "smtp_time_to_250_seconds",
            "From the end of DATA to our 250 (the inbox commit)",
            buckets=_TIME_TO_250_BUCKETS,
            registry=reg,
        )
        self.sla_breaches = Counter(
            "sla_breaches",
            "SLA breaches recorded by the scheduler (once per ticket and target)",
            ["target"],
            registry=reg,
        )
        self.sla_in_breach = Gauge(
            "sla_tickets_in_breach",
            "Open tickets whose SLA target passed unmet",
            ["target"],
            registry=reg,
        )
        for target in SLA_TARGETS:  # export zeros, so an alert rule has a series from the start
            self.sla_breaches.labels(target=target)
            self.sla_in_breach.labels(target=target)

    def count_outcome(self, action: str) -> None:
        """Count one processed message by its outcome's action."""
        self.processed.labels(action=action).inc()
        if action == "quarantined":
            self.quarantined.inc()

    def count_alerts(self, alerts: list[Alert]) -> None:
        """Count the breaches among what one SLA tick did (keys like "response:breach")."""
        for alert in alerts:
            target, _, level = alert.key.partition(":")
            if level == "breach":
                self.sla_breaches.labels(target=target).inc()

    def set_queues(self, status: QueueStatus) -> None:
        """Update the queue-depth and breach gauges from a fresh read of the database."""
        self.inbox_pending.set(status.inbox_pending)
        self.outbox_pending.set(status.outbox_queued)
        self.outbox_failed.set(status.outbox.get("failed", 0))
        for target in SLA_TARGETS:
            self.sla_in_breach.labels(target=target).set(status.breaches.get(target, 0))

    def render(self) -> bytes:
        """The registry in the Prometheus text exposition format."""
        return generate_latest(self.registry)
