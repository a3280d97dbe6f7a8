"""Staff mail as built: who gets it, its From and subject, attachments, on any display name."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

from tests.helpers import SUPPORT, write_config
from zsupport_mail.mail.carry import Payload, attachments_of
from zsupport_mail.mail.staffmail import StaffMail, build_staff_mail, recipients, staff_subject
from zsupport_mail.settings import Settings, load_settings

NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)


def settings(tmp_path, **staff: object) -> Settings:
    path = write_config(
        tmp_path / "c.toml",
        "sqlite:///x.db",
        tmp_path,
        staff={"addresses": ["tom@zsupport.example", "ann@zsupport.example"], **staff},
    )
    return load_settings(path)


def test_recipients_are_assignee_then_queue_never_ourselves(tmp_path):
    config = settings(tmp_path, queue_addresses=["ann@zsupport.example", SUPPORT])
    assert recipients(config, None) == ["ann@zsupport.example"]
    assert recipients(config, "Tom") == ["tom@zsupport.example", "ann@zsupport.example"]
    assert recipients(config, "Lee@Contractor.example") == [
        "lee@contractor.example",
        "ann@zsupport.example",
    ]
    assert recipients(config, "nobody") == ["ann@zsupport.example"]
    assert recipients(config, None, leave_out="ann@zsupport.example") == []


def test_subject_is_one_line_with_the_ticket_tag_and_cut():
    assert staff_subject("ZS-000001", "Calls\r\nBcc: x@evil") == "[ZS-000001] Calls Bcc: x@evil"
    assert staff_subject("ZS-000001", "", "[SLA BREACH]") == "[SLA BREACH] [ZS-000001] (no subject)"
    assert len(staff_subject("ZS-000001", "x" * 5000)) < 220


def test_non_ascii_names_and_attachments_survive_the_wire(tmp_path):
    mail = StaffMail(
        display='José Núñez (Acme "Dental") via Z-Support',
        to=["tom@zsupport.example"],
        subject="[ZS-000001] Überlastung",
        body="Zeile\n",
        message_id="<zs.test@zsupport.example>",
        attachments=(Payload("trace.pcap", "application/vnd.tcpdump.pcap", b"\x00\xff" * 9),),
    )
    raw = build_staff_mail(settings(tmp_path), mail, NOW).as_bytes()  # as the outbox does
    assert raw.isascii()
    parsed = message_from_bytes(raw, policy=default)
    assert isinstance(parsed, EmailMessage)
    [sender] = parsed["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (
        'José Núñez (Acme "Dental") via Z-Support',
        SUPPORT,
    )
    assert parsed["Reply-To"] == SUPPORT
    assert parsed["Subject"] == "[ZS-000001] Überlastung"
    assert parsed["Auto-Submitted"] == "auto-generated"
    [payload] = attachments_of(raw)
    assert payload == Payload("trace.pcap", "application/vnd.tcpdump.pcap", b"\x00\xff" * 9)
