"""``zsupport-mail imap check``: logs in to every configured mailbox and says what it finds."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.helpers import write_config
from tests.imap_helpers import append_mail, mailbox_config, mailbox_key, reports


def run(config, *args):
    return subprocess.run(
        [sys.executable, "-m", "zsupport_mail", "--config", str(config), "imap", "check", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_imap_check_reports_folders_idle_and_waiting_mail(dovecot, tmp_path):
    append_mail(dovecot, *reports(2))
    config = write_config(
        tmp_path / "config.toml",
        "sqlite:///unused.db",
        tmp_path,
        imap={
            "mailboxes": [
                mailbox_config(dovecot),
                mailbox_config(dovecot, user="nobody", password="wrong"),
                mailbox_config(dovecot, folder="Nope"),
            ]
        },
    )
    result = run(config, "--json")
    assert result.returncode == 1, result.stderr
    good, refused, missing = json.loads(result.stdout)
    assert good["mailbox"] == mailbox_key(dovecot)
    assert good["ok"] is True
    assert (good["login"], good["folder_exists"], good["messages"], good["unseen"]) == (
        True,
        True,
        2,
        2,
    )
    assert (good["idle"], good["move"], good["processed_folder_exists"]) == (True, True, False)
    assert refused["ok"] is False
    assert refused["login"] is False
    assert refused["error"].startswith("login failed")
    assert missing["ok"] is False
    assert missing["error"] == "folder 'Nope' does not exist"
    assert "wrong" not in result.stdout + result.stderr


def test_imap_check_text_output_and_exit_0(dovecot, tmp_path):
    config = write_config(
        tmp_path / "config.toml",
        "sqlite:///unused.db",
        tmp_path,
        imap={"mailboxes": [mailbox_config(dovecot)]},
    )
    result = run(config)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{mailbox_key(dovecot)}: OK",
        "  folder INBOX: 0 waiting",
        "  processed folder Processed: missing (serve creates it)",
        "  IDLE: supported, MOVE: supported",
    ]


def test_imap_check_without_mailboxes_or_server(tmp_path):
    empty = write_config(tmp_path / "empty.toml", "sqlite:///unused.db", tmp_path)
    result = run(empty)
    assert result.returncode == 1
    assert "no [[imap.mailboxes]]" in result.stderr

    nowhere = {"host": "127.0.0.1", "port": 1, "tls": "none", "user": "u", "password": "p"}
    down = write_config(
        tmp_path / "down.toml", "sqlite:///unused.db", tmp_path, imap={"mailboxes": [nowhere]}
    )
    result = run(down, "--json")
    assert result.returncode == 1
    [report] = json.loads(result.stdout)
    assert report["error"].startswith("cannot connect to 127.0.0.1:1")


def test_imap_check_help():
    result = subprocess.run(
        [sys.executable, "-m", "zsupport_mail", "imap", "check", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert "--json" in result.stdout
