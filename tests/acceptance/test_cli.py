"""The zsupport-mail command as a user runs it: a subprocess, its exit code, its JSON."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.helpers import make_mail, write_config


def run(config, *args, stdin: bytes | None = None, env: dict | None = None):
    return subprocess.run(
        [sys.executable, "-m", "zsupport_mail", "--config", str(config), *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        env=env,
    )


@pytest.fixture
def config(tmp_path, db_url):
    return write_config(tmp_path / "config.toml", db_url, tmp_path)


def test_ingest_prints_created_with_ticket_and_queued_reply(config, tmp_path):
    (tmp_path / "report.eml").write_bytes(make_mail())

    result = run(config, "ingest", str(tmp_path / "report.eml"))

    assert result.returncode == 0, result.stderr
    [line] = result.stdout.decode().splitlines()
    outcome = json.loads(line)
    assert outcome["action"] == "created"
    assert outcome["ticket"] == "ZS-000001"
    assert outcome["reply"] == "queued"
    assert outcome["message_id"] == "<report-1@acmedental.example>"
    assert outcome["reason"]


def test_ingest_reads_stdin_and_continues_past_unreadable_files(config, tmp_path):
    result = run(config, "ingest", str(tmp_path / "missing.eml"), "-", stdin=make_mail())

    missing, from_stdin = (json.loads(line) for line in result.stdout.decode().splitlines())
    assert missing["action"] == "error"
    assert "cannot read" in missing["reason"]
    assert from_stdin["action"] == "created"
    assert result.returncode == 1
    assert "Traceback" not in result.stderr.decode()


def test_ingest_malformed_file_is_quarantined_not_a_traceback(config, tmp_path):
    (tmp_path / "junk.eml").write_bytes(b"\x00\xff garbage with no headers at all")
    result = run(config, "ingest", str(tmp_path / "junk.eml"))
    outcome = json.loads(result.stdout)
    assert outcome["action"] == "quarantined"
    assert "Traceback" not in result.stderr.decode()


def test_tickets_outbox_and_messages_json(config, tmp_path):
    (tmp_path / "report.eml").write_bytes(make_mail())
    run(config, "ingest", str(tmp_path / "report.eml"))

    tickets = json.loads(run(config, "tickets", "list", "--json").stdout)
    assert [(t["number"], t["status"], t["client"]) for t in tickets] == [
        ("ZS-000001", "open", "Acme Dental")
    ]
    assert {"subject", "created_at"} <= set(tickets[0])

    ticket = json.loads(run(config, "tickets", "show", "zs-000001", "--json").stdout)
    assert [m["direction"] for m in ticket["messages"]] == ["inbound", "outbound"]
    assert {"from", "subject", "message_id", "internal"} <= set(ticket["messages"][0])
    assert ticket["charges"] == []

    [queued] = json.loads(run(config, "outbox", "list", "--json").stdout)
    assert (queued["ticket"], queued["to"], queued["status"]) == (
        "ZS-000001",
        ["dana@acmedental.example"],
        "queued",
    )
    assert queued["message_id"].startswith("<")

    flushed = json.loads(run(config, "outbox", "flush").stdout)
    assert flushed["sent"] == 1
    [sent] = json.loads(run(config, "outbox", "list", "--json").stdout)
    assert sent["status"] == "sent"

    journey = json.loads(run(config, "messages", "show", "1", "--json").stdout)
    steps = [e["step"] for e in journey["journey"]]
    assert steps[-5:] == ["ticket", "scoring", "sla", "sla", "reply"]
    text = run(config, "messages", "show", "1").stdout.decode()
    assert "authorisation" in text
    assert "ZS-000001" in text


@pytest.mark.every_backend
def test_reprocess_is_idempotent_from_the_cli(config, tmp_path):
    (tmp_path / "report.eml").write_bytes(make_mail())
    run(config, "ingest", str(tmp_path / "report.eml"))
    again = json.loads(run(config, "messages", "reprocess", "1").stdout)
    assert (again["action"], again["ticket"]) == ("duplicate", "ZS-000001")
    assert len(json.loads(run(config, "tickets", "list", "--json").stdout)) == 1


def test_unknown_ticket_is_a_clear_error(config):
    result = run(config, "tickets", "show", "ZS-999999")
    assert result.returncode == 1
    assert "no ticket ZS-999999" in result.stderr.decode()


@pytest.mark.every_backend
def test_ingest_refuses_a_database_that_is_behind(tmp_path, empty_db_url):
    config = write_config(tmp_path / "config.toml", empty_db_url, tmp_path)
    (tmp_path / "report.eml").write_bytes(make_mail())

    refused = run(config, "ingest", str(tmp_path / "report.eml"))
    assert refused.returncode == 3
    assert "zsupport-mail db upgrade" in refused.stderr.decode()

    assert run(config, "db", "upgrade").returncode == 0
    assert (
        json.loads(run(config, "ingest", str(tmp_path / "report.eml")).stdout)["action"]
        == "created"
    )


def test_tickets_list_text_columns_stay_aligned_on_long_statuses(config, tmp_path):
    (tmp_path / "complete.eml").write_bytes(make_mail())
    (tmp_path / "terse.eml").write_bytes(
        make_mail(body="Phones are dropping calls.\n", message_id="<terse@acmedental.example>")
    )
    run(config, "ingest", str(tmp_path / "complete.eml"), str(tmp_path / "terse.eml"))

    lines = run(config, "tickets", "list").stdout.decode().splitlines()

    assert lines[0].split() == ["TICKET", "STATUS", "CLIENT", "SUBJECT"]
    assert {line.split()[1] for line in lines[1:]} == {"open", "awaiting_info"}
    subject_column = {line.index("Phones drop") for line in lines[1:] if "Phones drop" in line}
    client_column = {line.index("Acme Dental") for line in lines[1:]}
    assert len(client_column) == 1, lines
    assert len(subject_column) == 1, lines
    assert lines[0].index("CLIENT") == client_column.pop()


def test_help_says_what_the_program_does_not_how_it_is_built(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "zsupport_mail", "--help"], capture_output=True, timeout=60
    )
    text = result.stdout.decode()
    assert result.returncode == 0
    assert text.splitlines()[2].startswith("Turns a Zultys MX support desk's inbox into tickets")
    assert "argument parsing" not in text
    assert "check-config" in text.split("start here:")[1]
