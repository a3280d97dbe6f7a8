"""Claims of dead processes are released by pid: a zombie counts as dead. A serve killed
with kill -9 leaves its children to init, and until init reaps them kill(pid, 0) finds
them; their claims would then wait out the whole lease (found by the kill -9 fault test)."""

from __future__ import annotations

import os
import subprocess
import sys

from zsupport_mail.runtime.claims import process_alive


def test_a_running_process_is_alive():
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        assert process_alive(child.pid)
    finally:
        child.communicate(b"")


def test_a_zombie_is_not_alive():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # exited, not reaped: a zombie
    try:
        os.kill(child.pid, 0)  # what the old check relied on: it still finds the pid
        assert not process_alive(child.pid)
    finally:
        child.wait()


def test_a_reaped_process_is_not_alive():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not process_alive(child.pid)
