"""The IMAP poller's socket-free parts: UIDs, batches, dates, isolation, backoff, bookmarks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from imapclient.exceptions import CapabilityError, LoginError
from sqlalchemy.exc import DataError, OperationalError

from tests.imap_helpers import captured_events
from zsupport_mail.edges.imap import Backoff, failure_event
from zsupport_mail.edges.imap_batch import (
    BODY,
    FETCH_ERROR,
    INTERNALDATE,
    new_uids,
    plan_batches,
    received_at,
    store_fetched,
)
from zsupport_mail.edges.imap_client import ConnectionLost, FolderMissing, TlsError, new_mail_in
from zsupport_mail.edges.imap_state import Bookmark, resume_from
from zsupport_mail.queues.inbox import StoreResult

NOW = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)


def test_new_uids_drops_the_star_match_below_the_range():
    # "UID SEARCH 8:*" on a folder whose highest UID is 7 answers 7.
    assert new_uids([7], last_uid=7) == []
    assert new_uids([12, 9, 9, 8], last_uid=7) == [8, 9, 12]


def test_batches_respect_count_and_bytes_and_keep_uid_order():
    sizes = {5: 10, 1: 10, 2: 10, 3: 10, 4: 10}
    assert plan_batches(sizes, max_bytes=1000, max_count=2) == [[1, 2], [3, 4], [5]]
    assert plan_batches(sizes, max_bytes=25, max_count=100) == [[1, 2], [3, 4], [5]]


def test_a_message_bigger_than_the_byte_limit_gets_a_batch_of_its_own():
    sizes = {1: 10, 2: 10_000_000, 3: 10}
    assert plan_batches(sizes, max_bytes=1_000_000, max_count=100) == [[1], [2], [3]]
    assert plan_batches({}, max_bytes=10, max_count=10) == []


def test_internaldate_becomes_aware_utc():
    denver = timezone(timedelta(hours=-7))
    assert received_at(datetime(2026, 11, 26, 10, 0, tzinfo=denver), NOW) == datetime(
        2026, 11, 26, 17, 0, tzinfo=UTC
    )
    assert received_at(None, NOW) is NOW
    assert received_at(b"garbage", NOW) is NOW


class Store:
    """A stand-in for inbox.store_raw's wrapper: records calls, fails on chosen bodies."""

    def __init__(self, fail_on: dict[bytes, Exception] | None = None) -> None:
        self.fail_on = fail_on or {}
        self.calls: list[tuple[bytes, datetime]] = []

    def __call__(self, raw: bytes, at: datetime) -> StoreResult:
        if raw in self.fail_on:
            raise self.fail_on[raw]
        self.calls.append((raw, at))
        return StoreResult(len(self.calls), duplicate=raw.startswith(b"dup"))


def test_one_bad_message_is_recorded_and_skipped_and_the_batch_goes_on():
    fetched = {
        1: {BODY: b"one", INTERNALDATE: NOW},
        2: {BODY: b"bad"},
        3: {FETCH_ERROR: "FETCH failed: broken file"},
        4: {BODY: b""},
        6: {BODY: b"dup six"},
    }
    store = Store(fail_on={b"bad": DataError("INSERT", {}, Exception("value too long"))})
    with captured_events() as events:
        result = store_fetched([1, 2, 3, 4, 5, 6], fetched, store, NOW)
    assert result.stored == [1, 6]
    assert result.skipped == [2, 3, 4]
    assert result.gone == [5]
    assert result.fresh == 1
    skipped = {e["uid"]: e["reason"] for e in events.named("imap_message_skipped")}
    assert "value too long" in skipped[2]
    assert skipped[3] == "FETCH failed: broken file"
    assert skipped[4] == "the server returned no message body"
    assert all(e["level"] == "error" for e in events.named("imap_message_skipped"))
    assert [e["duplicate"] for e in events.named("imap_message_stored")] == [False, True]


def test_an_unavailable_database_stops_the_batch_instead_of_skipping():
    down = OperationalError("INSERT", {}, Exception("connection refused"))
    store = Store(fail_on={b"two": down})
    fetched = {1: {BODY: b"one"}, 2: {BODY: b"two"}, 3: {BODY: b"three"}}
    with pytest.raises(OperationalError):
        store_fetched([1, 2, 3], fetched, store, NOW)
    assert [raw for raw, _ in store.calls] == [b"one"]  # three was never stored


def test_backoff_doubles_up_to_the_cap_and_resets():
    backoff = Backoff(base=1, cap=10)
    assert [backoff.next_delay() for _ in range(6)] == [1, 2, 4, 8, 10, 10]
    backoff.reset()
    assert backoff.next_delay() == 1
    for _ in range(5000):  # no overflow after a very long outage
        backoff.next_delay()
    assert backoff.next_delay() == 10


@pytest.mark.parametrize(
    ("error", "event"),
    [
        (LoginError("[AUTHENTICATIONFAILED] Authentication failed."), "imap_login_failed"),
        (TlsError("handshake failed"), "imap_tls_failed"),
        (FolderMissing("Support"), "imap_folder_missing"),
        (OperationalError("SELECT", {}, Exception("down")), "imap_store_failed"),
        (ConnectionRefusedError(111, "Connection refused"), "imap_connection_failed"),
        (TimeoutError("timed out"), "imap_connection_failed"),
        (ConnectionLost("BYE"), "imap_connection_failed"),
        (CapabilityError("no IDLE"), "imap_server_error"),
        (ValueError("surprise"), "imap_poller_error"),
    ],
)
def test_failures_are_named_by_cause(error, event):
    assert failure_event(error)[0] == event


def test_idle_responses_new_mail_keepalive_and_bye():
    assert new_mail_in([(3, b"EXISTS"), (1, b"RECENT")])
    assert not new_mail_in([(b"OK", b"Still", b"here")])  # Dovecot's keepalive
    assert not new_mail_in([(2, b"EXPUNGE")])
    assert not new_mail_in([])
    with pytest.raises(ConnectionLost):
        new_mail_in([(b"BYE", b"Server", b"shutting", b"down.")])


def test_bookmark_resumes_or_restarts_on_a_new_uidvalidity():
    assert resume_from(None, 77) == (Bookmark(77, 0), False)
    assert resume_from(Bookmark(77, 12), 77) == (Bookmark(77, 12), False)
    assert resume_from(Bookmark(77, 12), 78) == (Bookmark(78, 0), True)
