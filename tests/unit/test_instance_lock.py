"""The SQLite serve lock and the advisory lock keys, in one process (no servers)."""

from __future__ import annotations

import os

import pytest

from zsupport_mail.db.advisory import advisory_key
from zsupport_mail.db.session import lock_path
from zsupport_mail.runtime.instance_lock import InstanceLock, InstanceLockedError


def test_lock_path_is_next_to_a_sqlite_file_and_absent_otherwise(tmp_path):
    db = tmp_path / "var" / "zsupport.db"
    assert lock_path(f"sqlite:///{db}") == db.with_name("zsupport.db.serve.lock")
    assert lock_path("sqlite://") is None
    assert lock_path("sqlite:///:memory:") is None
    assert lock_path("postgresql+psycopg://u@h/db") is None


def test_a_second_acquire_is_refused_with_the_holders_pid_until_released(tmp_path):
    path = tmp_path / "zsupport.db.serve.lock"
    held = InstanceLock.acquire(path)
    with pytest.raises(InstanceLockedError) as refused:
        InstanceLock.acquire(path)  # a second open file description: flock refuses it too
    assert refused.value.holder_pid == os.getpid()
    assert f"pid {os.getpid()}" in str(refused.value)
    held.release()
    InstanceLock.acquire(path).release()


def test_advisory_keys_are_stable_signed_64_bit_and_distinct():
    key = advisory_key("imap:support@127.0.0.1:143/INBOX")
    assert key == advisory_key("imap:support@127.0.0.1:143/INBOX")
    assert -(2**63) <= key < 2**63
    assert key != advisory_key("imap:support@127.0.0.1:143/Other")
    assert advisory_key("sla_tick") == -5969346166428206085  # pinned: a release must not change it
