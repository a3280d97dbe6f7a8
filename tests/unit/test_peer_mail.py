"""The mail peer helpdesks choke on, each from a real sample in a package's test corpus.

- Outlook's winmail.dat: tnefparse's own TNEF streams, attached as Outlook attaches them;
- inline cid: images: enmime's Apple Mail messages (HTML-only and multipart/alternative);
- mislabelled charsets: chardet's Czech windows-1250 and Greek UTF-8 texts under wrong labels;
- huge HTML bodies: bounded, with a note that the original mail keeps the rest;
- S/MIME: a clear-signed and an opaque-signed mail made by OpenSSL's ``smime -sign`` (no
  package found carries a signed S/MIME sample; OpenSSL is what signs for many MTAs).
"""

from __future__ import annotations

import hashlib
import subprocess
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest

from tests.corpora import enmime_testdata, pypi_sdist
from zsupport_mail.mail.message import parse_message
from zsupport_mail.mail.text import MAX_HTML_CHARS, TRUNCATED_NOTE

SENDER, SUPPORT = "dana@acmedental.example", "support@zsupport.example"


def _tnef(name: str) -> bytes:
    return (pypi_sdist("tnefparse-1.4.0") / "tests" / "examples" / name).read_bytes()


def _with_attachment(data: bytes, filename: str, content_type: str) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = SENDER, SUPPORT, "Call logs"
    message.set_content("The logs are attached.")
    maintype, subtype = content_type.split("/")
    message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes(policy=SMTP)


def test_winmail_dat_is_unpacked_into_its_files():
    stream = _tnef("umlaut.tnef")
    parsed = parse_message(_with_attachment(stream, "winmail.dat", "application/ms-tnef"))

    names = [(a.filename, a.content_type) for a in parsed.attachments]
    assert names == [
        ("TBZ PARIV GmbH.jpg", "image/jpeg"),
        ("image003.jpg", "image/jpeg"),
        ("UmlautAnhang-äüö.txt", "text/plain"),
    ]
    assert parsed.attachments[2].size == 14
    assert "winmail.dat" not in [a.filename for a in parsed.attachments]


def test_winmail_dat_relabelled_as_octet_stream_is_unpacked_too():
    stream = _tnef("two-files.tnef")
    parsed = parse_message(_with_attachment(stream, "winmail.dat", "application/octet-stream"))
    assert [a.filename for a in parsed.attachments] == ["AUTHORS", "README"]


def test_a_winmail_dat_that_is_not_tnef_is_kept_as_it_is():
    parsed = parse_message(
        _with_attachment(b"not tnef at all", "winmail.dat", "application/ms-tnef")
    )
    [kept] = parsed.attachments
    assert kept.filename == "winmail.dat"
    assert kept.sha256 == hashlib.sha256(b"not tnef at all").hexdigest()


def test_a_tnef_body_is_the_text_when_the_mail_has_none():
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = SENDER, SUPPORT, "Fwd"
    message.add_attachment(
        _tnef("bad_checksum.tnef"),
        maintype="application",
        subtype="ms-tnef",
        filename="winmail.dat",
    )
    parsed = parse_message(message.as_bytes(policy=SMTP))
    assert "Come support second harvest" in parsed.text
    assert [a.filename for a in parsed.attachments] == ["image001.png"]


@pytest.mark.parametrize(
    "sample", ["mail/html-only-inline.raw", "low-quality/html-only-inline.raw"]
)
def test_an_inline_image_is_kept_and_named_where_it_was(sample):
    parsed = parse_message((enmime_testdata() / sample).read_bytes())
    assert parsed.text == "Test of HTML section [image: favicon.png]"
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("favicon.png", "image/png")
    ]


def test_the_plain_alternative_lists_the_inline_images_it_does_not_show():
    parsed = parse_message((enmime_testdata() / "mail/html-mime-inline.raw").read_bytes())
    assert parsed.text == "Test of text section\n\n[image: favicon.png]"


def test_outlook_cid_placeholders_in_the_plain_part_name_the_image():
    raw = (
        (enmime_testdata() / "mail/html-mime-inline.raw")
        .read_bytes()
        .replace(
            b"Test of text section", b"See [cid:8B8481A2-25CA-4886-9B5A-8EB9115DD064@skynet] here"
        )
    )
    assert parse_message(raw).text == "See [image: favicon.png] here"


def _labelled(body: bytes, charset: str) -> bytes:
    return (
        f"From: {SENDER}\r\nTo: {SUPPORT}\r\nSubject: Calls drop\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode() + body


def _chardet(folder: str, name: str) -> bytes:
    return (pypi_sdist("chardet-5.2.0") / "tests" / folder / name).read_bytes()


@pytest.mark.parametrize(
    ("folder", "name", "truth", "label"),
    [
        ("windows-1250-czech", "_ude_1.txt", "cp1250", "utf-8"),  # 1250 declared as UTF-8
        ("windows-1250-czech", "_ude_2.txt", "cp1250", "x-mac-unknown"),  # a label nobody knows
        ("windows-1250-czech", "_ude_1.txt", "cp1250", "windows-1250"),  # labelled right
        ("utf-8", "_ude_greek.txt", "utf-8", "iso-8859-1"),  # UTF-8 declared as latin-1
        ("utf-8", "_ude_russian.txt", "utf-8", "windows-1258"),  # UTF-8 declared as 1258
        ("utf-8", "_ude_he1.txt", "utf-8", "windows-1250"),  # UTF-8 declared as 1250
    ],
)
def test_mislabelled_charsets_are_read_as_the_sender_wrote(folder, name, truth, label):
    body = _chardet(folder, name)
    parsed = parse_message(_labelled(body, label))
    expected = body.decode(truth).replace("\r\n", "\n").strip()
    assert parsed.text.strip() == expected
    assert "\ufffd" not in parsed.text


def test_a_huge_html_body_is_bounded_and_says_so():
    row = "<tr><td>2026-11-25 10:42</td><td>ext 2045</td><td>408 Request Timeout</td></tr>\n"
    html = "<html><body><p>Call log follows</p><table>" + row * 40_000 + "</table></body></html>"
    assert len(html) > 3 * MAX_HTML_CHARS
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = SENDER, SUPPORT, "Huge"
    message.set_content(html, subtype="html")

    parsed = parse_message(message.as_bytes(policy=SMTP))

    assert parsed.text.startswith("Call log follows")
    assert parsed.text.endswith(TRUNCATED_NOTE)
    assert len(parsed.text) < MAX_HTML_CHARS


@pytest.fixture(scope="module")
def signer(tmp_path_factory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("smime")
    key, cert, body = folder / "key.pem", folder / "cert.pem", folder / "body.txt"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "30", "-subj", f"/CN=Dana Smith/emailAddress={SENDER}"],
        check=True, capture_output=True,
    )  # fmt: skip
    body.write_bytes(
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Since this morning every external call drops after 30 seconds.\r\n"
    )
    return key, cert, body


def _signed(signer, *options: str) -> bytes:
    key, cert, body = signer
    return subprocess.run(
        ["openssl", "smime", "-sign", *options, "-in", str(body), "-signer", str(cert),
         "-inkey", str(key), "-from", SENDER, "-to", SUPPORT, "-subject", "Signed report"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip


@pytest.mark.parametrize(
    ("options", "signature"),
    [((), "smime.p7s"), (("-nodetach",), "smime.p7m")],
    ids=["clear-signed", "opaque-signed"],
)
def test_smime_signed_mail_is_read_and_its_signature_kept(signer, options, signature):
    parsed = parse_message(_signed(signer, *options))
    assert parsed.text.strip() == "Since this morning every external call drops after 30 seconds."
    assert parsed.subject == "Signed report"
    assert parsed.from_addr == SENDER
    assert [a.filename for a in parsed.attachments] == [signature]
    assert parsed.attachments[0].size > 1000  # the certificate travels in the signature
