"""Outlook's winmail.dat and an inline image reach the ticket as staff need them (both backends)."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

from sqlalchemy import select

from tests.corpora import enmime_testdata, pypi_sdist
from tests.helpers import COMPLETE_REPORT, SUPPORT
from zsupport_mail.db.models import Attachment, TicketMessage


def test_winmail_dat_files_and_an_inline_image_are_on_the_ticket(pipeline, sessions):
    report = EmailMessage()
    report["From"] = "Dana Smith <dana@acmedental.example>"
    report["To"], report["Subject"] = SUPPORT, "Phones drop calls"
    report["Message-ID"] = "<tnef-1@acmedental.example>"
    report.set_content(COMPLETE_REPORT)
    stream = (pypi_sdist("tnefparse-1.4.0") / "tests" / "examples" / "umlaut.tnef").read_bytes()
    report.add_attachment(stream, maintype="application", subtype="ms-tnef", filename="winmail.dat")
    inline = (enmime_testdata() / "mail" / "html-only-inline.raw").read_bytes()
    inline = inline.replace(
        b"From: James Hillyerd <james@makita.skynet>", b"From: Dana Smith <dana@acmedental.example>"
    )

    assert pipeline.ingest(report.as_bytes(policy=SMTP), source="smtp", mailbox=SUPPORT).ticket
    assert pipeline.ingest(inline, source="smtp", mailbox=SUPPORT).ticket

    with sessions.begin() as session:
        names = session.scalars(select(Attachment.filename).order_by(Attachment.id)).all()
        texts = session.scalars(select(TicketMessage.body_text).order_by(TicketMessage.id)).all()
    assert names == ["TBZ PARIV GmbH.jpg", "image003.jpg", "UmlautAnhang-äüö.txt", "favicon.png"]
    assert any(text.endswith("Test of HTML section [image: favicon.png]") for text in texts)
