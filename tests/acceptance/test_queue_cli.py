"""Working the queue from the command line, as a subprocess on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP, default

import pytest

from tests.acceptance.test_staff_desk import run
from tests.helpers import make_mail, write_config

TRACE = b"\x00\x01 a packet capture \xff" * 40


def with_trace(raw: bytes) -> bytes:
    message = message_from_bytes(raw, policy=default)
    assert isinstance(message, EmailMessage)
    message.add_attachment(
        TRACE, maintype="application", subtype="vnd.tcpdump.pcap", filename="trace.pcap"
    )
    return message.as_bytes(policy=SMTP)


@pytest.fixture
def desk(tmp_path, db_url):
    """A desk with two Acme tickets (the first with a trace) and one Globex ticket."""
    config = write_config(tmp_path / "config.toml", db_url, tmp_path)
    mails = {
        "a.eml": with_trace(make_mail()),
        "b.eml": make_mail(subject="Phones still dropping", message_id="<report-2@acme>"),
        "c.eml": make_mail(
            sender="Hank Scorpio <hank@globex.example>",
            subject="Voicemail full",
            message_id="<g-1@globex.example>",
        ),
    }
    for name, raw in mails.items():
        (tmp_path / name).write_bytes(raw)
    result = run(config, "ingest", *(str(tmp_path / n) for n in mails))
    assert result.returncode == 0, result.stderr
    return config, tmp_path


def numbers(result) -> list[str]:
    assert result.returncode == 0, result.stderr
    return [row["number"] for row in json.loads(result.stdout)]


@pytest.mark.every_backend
def test_list_filters_export_raw_and_attachments(desk):
    config, tmp_path = desk
    assert numbers(run(config, "tickets", "list", "--json", "--client", "globex")) == ["ZS-000003"]
    assert numbers(run(config, "tickets", "list", "--json", "--search", "STILL drop")) == [
        "ZS-000002"
    ]
    assert numbers(run(config, "tickets", "list", "--json", "--since", "2999-01-01")) == []
    assert numbers(run(config, "tickets", "list", "--json", "--assignee", "tom")) == []

    exported = run(config, "tickets", "export", "--csv", "--client", "Acme Dental")
    rows = list(csv.DictReader(io.StringIO(exported.stdout.decode())))
    assert [(r["number"], r["client"]) for r in rows] == [
        ("ZS-000001", "Acme Dental"),
        ("ZS-000002", "Acme Dental"),
    ]
    assert numbers(run(config, "tickets", "export", "--json")) == [
        "ZS-000001",
        "ZS-000002",
        "ZS-000003",
    ]

    raw = run(config, "messages", "raw", "1", "-o", str(tmp_path / "one.eml"))
    assert raw.returncode == 0, raw.stderr
    assert (tmp_path / "one.eml").read_bytes() == (tmp_path / "a.eml").read_bytes()

    listing = run(config, "attachments", "list", "ZS-000001", "--json")
    [attachment] = json.loads(listing.stdout)
    assert (attachment["filename"], attachment["size"]) == ("trace.pcap", len(TRACE))
    got = run(config, "attachments", "get", str(attachment["id"]), "-o", str(tmp_path / "t"))
    assert got.returncode == 0, got.stderr
    assert (tmp_path / "t").read_bytes() == TRACE
    missing = run(config, "attachments", "get", "999", "-o", str(tmp_path / "x"))
    assert missing.returncode != 0
    assert b"no attachment 999" in missing.stderr


@pytest.mark.every_backend
def test_merge_folds_the_second_report_into_the_first(desk):
    config, _ = desk
    result = run(config, "tickets", "merge", "ZS-000001", "ZS-000002")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "merged": "ZS-000002",
        "into": "ZS-000001",
        "messages_moved": 2,  # the report and its acknowledgement
    }
    shown = json.loads(run(config, "tickets", "show", "ZS-000001", "--json").stdout)
    subjects = {m["subject"] for m in shown["messages"] if m["direction"] == "inbound"}
    assert subjects == {"Phones drop calls after 30 seconds", "Phones still dropping"}
    closed = json.loads(run(config, "tickets", "show", "ZS-000002", "--json").stdout)
    assert closed["status"] == "closed"
    refused = run(config, "tickets", "merge", "ZS-000001", "ZS-000003")
    assert refused.returncode != 0
    assert b"another client's ticket" in refused.stderr
