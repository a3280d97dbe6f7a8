"""The cross-process write lock's file is closed with its engine, so engines do not leak."""

from __future__ import annotations

import gc
import os

from zsupport_mail.db.session import make_engine


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_dropped_sqlite_engines_leave_no_open_lock_files(tmp_path):
    url = f"sqlite:///{tmp_path / 'zsupport.db'}"
    gc.collect()
    before = _open_fds()
    for _ in range(40):
        engine = make_engine(url)
        engine.dispose()
        del engine
    gc.collect()
    assert _open_fds() - before < 5
