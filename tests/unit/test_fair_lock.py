"""The in-process SQLite write queue hands the lock over in arrival order."""

from __future__ import annotations

import threading

from zsupport_mail.db.session import FairLock


def test_waiters_get_the_lock_in_arrival_order():
    lock = FairLock()
    order: list[int] = []
    lock.acquire()
    threads = []
    for number in range(5):
        thread = threading.Thread(
            target=lambda n=number: (lock.acquire(), order.append(n), lock.release())
        )
        thread.start()
        assert lock.wait_for_waiters(number + 1, timeout=10)
        threads.append(thread)
    lock.release()
    for thread in threads:
        thread.join(timeout=10)
    assert order == [0, 1, 2, 3, 4]
