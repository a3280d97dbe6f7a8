"""`ingest` of an archive moved over from another helpdesk: a maildir, an mbox, a directory.

The archives are written by the stdlib ``mailbox`` module, as another helpdesk's export or a
mail server would leave them, and the command runs as a subprocess on SQLite and PostgreSQL.
"""

from __future__ import annotations

import fcntl
import json
import mailbox
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from tests.helpers import make_mail, write_config


def run(config: Path, *args: str, stderr: int = subprocess.PIPE) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zsupport_mail", "--config", str(config), *args],
        stdout=subprocess.PIPE,
        stderr=stderr,
        timeout=180,
    )


def lines(result: subprocess.CompletedProcess) -> list[dict]:
    return [json.loads(line) for line in result.stdout.decode().splitlines()]


def report(number: int) -> bytes:
    """A distinct complete report (its own subject and Message-ID, so its own ticket)."""
    return make_mail(
        subject=f"Handset {number} drops calls after 30 seconds",
        message_id=f"<archive-{number}@acmedental.example>",
    )


def write_mbox(path: Path, numbers: range) -> Path:
    box = mailbox.mbox(path)
    for number in numbers:
        box.add(mailbox.mboxMessage(report(number)))
    box.flush()
    box.close()
    return path


@pytest.fixture
def config(tmp_path: Path, db_url: str) -> Path:
    return write_config(tmp_path / "config.toml", db_url, tmp_path)


@pytest.mark.every_backend
def test_maildir_then_overlapping_mbox_skips_what_is_stored(config: Path, tmp_path: Path) -> None:
    maildir = mailbox.Maildir(tmp_path / "Maildir", create=True)
    maildir.add(mailbox.MaildirMessage(report(1)))
    seen = mailbox.MaildirMessage(report(2))
    seen.set_subdir("cur")
    seen.add_flag("S")
    maildir.add(seen)
    mbox = write_mbox(tmp_path / "export.mbox", range(1, 4))  # 1 and 2 again, then 3

    first = run(config, "ingest", str(tmp_path / "Maildir"))
    second = run(config, "ingest", str(mbox))

    assert first.returncode == 0, first.stderr
    assert sorted(o["message_id"] for o in lines(first)) == [
        "<archive-1@acmedental.example>",
        "<archive-2@acmedental.example>",
    ]
    assert {o["action"] for o in lines(first)} == {"created"}
    assert all(o["file"].startswith(f"{tmp_path / 'Maildir'}#") for o in lines(first))
    assert second.returncode == 0, second.stderr
    assert [(o["file"], o["action"]) for o in lines(second)] == [
        (f"{mbox}#1", "duplicate"),
        (f"{mbox}#2", "duplicate"),
        (f"{mbox}#3", "created"),
    ]
    tickets = json.loads(run(config, "tickets", "list", "--json").stdout)
    assert len(tickets) == 3
    outbox = json.loads(run(config, "outbox", "list", "--json").stdout)
    assert len(outbox) == 3, "a skipped message must not queue a second reply"


@pytest.mark.every_backend
def test_import_killed_midway_resumes_without_doubles(config: Path, tmp_path: Path) -> None:
    mbox = write_mbox(tmp_path / "big.mbox", range(1, 16))
    command = [sys.executable, "-m", "zsupport_mail", "--config", str(config), "ingest", str(mbox)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as killed:
        assert killed.stdout is not None
        done_before_kill = [json.loads(killed.stdout.readline()) for _ in range(4)]
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=30)

    resumed = run(config, "ingest", str(mbox))

    assert resumed.returncode == 0, resumed.stderr
    outcomes = lines(resumed)
    assert len(outcomes) == 15
    for before in done_before_kill:
        again = next(o for o in outcomes if o["file"] == before["file"])
        assert again["action"] == "duplicate"
        assert again["ticket"] == before["ticket"]
    assert {o["action"] for o in outcomes} <= {"duplicate", "created"}
    tickets = json.loads(run(config, "tickets", "list", "--json").stdout)
    assert len(tickets) == 15, "every message once: none lost, none doubled"
    outbox = json.loads(run(config, "outbox", "list", "--json").stdout)
    replied = [entry["ticket"] for entry in outbox]
    assert replied
    assert len(set(replied)) == len(replied), "no reply queued twice"


def test_import_in_batches_killed_midway_resumes_without_doubles(
    config: Path, tmp_path: Path
) -> None:
    mbox = write_mbox(tmp_path / "big.mbox", range(1, 41))
    command = [sys.executable, "-m", "zsupport_mail", "--config", str(config)]
    with subprocess.Popen(
        [*command, "ingest", "--jobs", "2", str(mbox)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    ) as killed:
        assert killed.stdout is not None
        # A line is printed only after its batch committed: these 17 span two batches.
        printed = [json.loads(killed.stdout.readline()) for _ in range(17)]
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=30)

    resumed = run(config, "ingest", "--jobs", "2", str(mbox))

    assert resumed.returncode == 0, resumed.stderr
    outcomes = lines(resumed)
    assert len(outcomes) == 40
    for before in printed:
        again = next(o for o in outcomes if o["file"] == before["file"])
        assert (again["action"], again["ticket"]) == ("duplicate", before["ticket"])
    tickets = json.loads(run(config, "tickets", "list", "--json").stdout)
    assert len(tickets) == 40, "every message once: none lost, none doubled"
    outbox = json.loads(run(config, "outbox", "list", "--json").stdout)
    replied = [entry["ticket"] for entry in outbox]
    assert replied  # (safety.max_auto_replies_per_day caps one sender's replies)
    assert len(set(replied)) == len(replied), "no reply queued twice"


def test_directory_shows_a_bar_on_a_terminal_only(config: Path, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    for number in range(1, 4):
        (folder / f"{number:03}.eml").write_bytes(report(number))
    (folder / ".index").write_bytes(b"not mail: hidden files are skipped")
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    try:
        on_terminal = run(config, "ingest", str(folder), stderr=follower)
        os.close(follower)
        bar = os.read(leader, 65536).decode()
    finally:
        os.close(leader)
    piped = run(config, "ingest", str(folder))

    assert on_terminal.returncode == 0
    assert [o["file"] for o in lines(on_terminal)] == [
        str(folder / f"{n:03}.eml") for n in range(1, 4)
    ]
    assert {o["action"] for o in lines(on_terminal)} == {"created"}
    assert "3/3" in bar
    assert "created=3" in bar
    assert [o["action"] for o in lines(piped)] == ["duplicate"] * 3
    assert "3/3" not in piped.stderr.decode(), "no bar when stderr is not a terminal"


def test_jobs_parse_in_workers_and_keep_a_threads_order(config: Path, tmp_path: Path) -> None:
    reply = make_mail(
        subject="Re: Handset 1 drops calls after 30 seconds",
        body="It happened again this morning on extension 204.",
        message_id="<archive-1-reply@acmedental.example>",
        headers={"In-Reply-To": "<archive-1@acmedental.example>"},
    )
    box = mailbox.mbox(tmp_path / "thread.mbox")
    for raw in (report(1), reply, b"\x00\xff garbage with no headers at all", report(3)):
        box.add(mailbox.mboxMessage(raw))
    box.close()

    result = run(config, "ingest", "--jobs", "2", str(tmp_path / "thread.mbox"))

    assert result.returncode == 0, result.stderr
    first, answer, junk, third = lines(result)
    assert (first["action"], first["ticket"]) == ("created", "ZS-000001")
    assert answer["message_id"] == "<archive-1-reply@acmedental.example>"
    assert answer["ticket"] == "ZS-000001", "the reply lands on the report it answers"
    assert junk["action"] == "quarantined"
    assert (third["action"], third["ticket"]) == ("created", "ZS-000002")


def test_jobs_must_be_positive(config: Path, tmp_path: Path) -> None:
    result = run(config, "ingest", "--jobs", "0", str(tmp_path))
    assert result.returncode == 2
    assert "must be 1 or more" in result.stderr.decode()


def _sigint_as_from_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_stops_cleanly_and_says_how_to_finish(config: Path, tmp_path: Path) -> None:
    mbox = write_mbox(tmp_path / "big.mbox", range(1, 151))
    command = [sys.executable, "-m", "zsupport_mail", "--config", str(config)]
    with subprocess.Popen(
        [*command, "ingest", "--jobs", "2", str(mbox)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a terminal's Ctrl-C reaches it
        # As from a terminal: a suite run in the background (`make test &`, nohup) ignores
        # SIGINT, ingest would inherit that, and Python then never raises KeyboardInterrupt.
        preexec_fn=_sigint_as_from_a_terminal,
    ) as interrupted:
        assert interrupted.stdout is not None
        # A one-page pipe: once a few lines wait unread, ingest blocks writing, so it cannot
        # finish all 150 before the signal however slowly this test is scheduled.
        fcntl.fcntl(interrupted.stdout.fileno(), fcntl.F_SETPIPE_SZ, 4096)
        for _ in range(3):
            interrupted.stdout.readline()
        os.killpg(interrupted.pid, signal.SIGINT)
        _, stderr = interrupted.communicate(timeout=60)

    said = stderr.decode()
    assert interrupted.returncode == 130, said[-3000:]
    assert "run the same command again" in said
    assert "Traceback" not in said
    finished = run(config, "ingest", str(mbox))
    assert finished.returncode == 0, finished.stderr.decode()[-3000:]
    tickets = json.loads(run(config, "tickets", "list", "--json").stdout)
    assert len(tickets) == 150, finished.stdout.decode()[-3000:]
