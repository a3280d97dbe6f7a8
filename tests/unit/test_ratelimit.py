"""The SMTP edge's token buckets, on a clock the test moves."""

from __future__ import annotations

import ipaddress

from structlog.testing import capture_logs

from zsupport_mail.edges import ratelimit
from zsupport_mail.edges.ratelimit import IP_REFUSAL, SENDER_REFUSAL, EdgeLimits, TokenBuckets
from zsupport_mail.settings import SecuritySettings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_of_the_limit_then_one_per_refill_interval():
    clock = Clock()
    buckets = TokenBuckets(3, 60, clock)
    assert [buckets.take("a") for _ in range(4)] == [True, True, True, False]
    assert buckets.take("b")  # keys are independent
    clock.now += 19.9  # one token takes 20 s to come back
    assert not buckets.take("a")
    clock.now += 0.1
    assert buckets.take("a")
    assert not buckets.take("a")
    clock.now += 3600  # refills to the limit, never beyond
    assert [buckets.take("a") for _ in range(4)] == [True, True, True, False]


def test_idle_buckets_are_forgotten_when_there_are_too_many(monkeypatch):
    monkeypatch.setattr(ratelimit, "_MAX_KEYS", 3)
    clock = Clock()
    buckets = TokenBuckets(1, 60, clock)
    for key in ("a", "b", "c"):
        assert buckets.take(key)
    clock.now += 60  # a, b and c have refilled: forgetting them changes no answer
    assert buckets.take("d")
    assert len(buckets._buckets) == 1


def limits(clock, **overrides) -> EdgeLimits:
    settings = SecuritySettings(
        max_messages_per_ip_per_minute=overrides.pop("ip", 2),
        max_messages_per_sender_per_hour=overrides.pop("sender", 2),
        **overrides,
    )
    return EdgeLimits(settings, clock)


def test_ip_limit_answers_421_and_sender_limit_450_with_a_log_line():
    edge = limits(Clock())
    with capture_logs() as logs:
        assert edge.check_mail("192.0.2.1", "dana@acmedental.example") is None
        assert edge.check_mail("192.0.2.2", "Dana@AcmeDental.example") is None
        assert edge.check_mail("192.0.2.3", "dana@acmedental.example") == SENDER_REFUSAL
        assert edge.check_mail("192.0.2.1", "lee@acmedental.example") is None
        assert edge.check_mail("192.0.2.1", "hank@globex.example") == IP_REFUSAL
    assert IP_REFUSAL.startswith("421 4.7.0")
    assert SENDER_REFUSAL.startswith("450 4.7.1")
    assert [(e["event"], e["scope"]) for e in logs] == [
        ("smtp_rate_limited", "sender"),
        ("smtp_rate_limited", "ip"),
    ]
    assert logs[0]["mail_from"] == "dana@acmedental.example"


def test_an_ip_with_no_budget_left_is_refused_at_connect_without_spending():
    clock = Clock()
    edge = limits(clock, ip=1, sender=0)
    assert edge.check_connect("192.0.2.1") is None  # unknown IP: nothing created
    assert edge.check_mail("192.0.2.1", "x@y.example") is None
    assert edge.check_connect("192.0.2.1") == IP_REFUSAL
    assert edge.check_connect("192.0.2.2") is None
    clock.now += 60
    assert edge.check_connect("192.0.2.1") is None
    assert edge.check_mail("192.0.2.1", "x@y.example") is None  # the peek spent nothing


def test_bounces_share_one_sender_bucket():
    edge = limits(Clock(), ip=0, sender=1)
    assert edge.check_mail("192.0.2.1", "<>") is None
    assert edge.check_mail("192.0.2.2", "") == SENDER_REFUSAL


def test_zero_turns_a_limit_off_and_exempt_relays_are_never_limited():
    clock = Clock()
    off = limits(clock, ip=0, sender=0)
    assert all(off.check_mail("192.0.2.1", "x@y.example") is None for _ in range(1000))
    relay = limits(
        clock, ip=1, sender=1, rate_limit_exempt_ips=(ipaddress.ip_network("10.0.0.0/8"),)
    )
    assert all(relay.check_mail("10.1.2.3", "x@y.example") is None for _ in range(100))
    assert relay.check_mail("::ffff:10.1.2.3", "x@y.example") is None  # IPv4-mapped
    assert relay.check_mail("192.0.2.1", "x@y.example") is None
    assert relay.check_mail("192.0.2.1", "x@y.example") == IP_REFUSAL
