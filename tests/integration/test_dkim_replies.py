"""Replies leave DKIM-signed, and the signature verifies as a client's mail server checks it.

The public key is served to dkimpy's verifier the way DNS would serve the TXT record at
``SELECTOR._domainkey.DOMAIN``; the reply is the real acknowledgement the pipeline renders.
"""

from __future__ import annotations

import base64
import email
from pathlib import Path

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.helpers import SUPPORT, make_mail
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.queues.outbox import deliver_due
from zsupport_mail.runtime.pipeline import Pipeline
from zsupport_mail.settings.clock import utc_now


def _key_pair(tmp_path: Path) -> tuple[Path, bytes]:
    """A private key file and the TXT record an operator would publish for it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "dkim.key"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return path, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def _delivered(make_settings, sessions, tmp_path: Path) -> tuple[bytes, bytes]:
    key_file, record = _key_pair(tmp_path)
    settings = make_settings(
        outbound={
            "dkim_domain": "zsupport.example",
            "dkim_selector": "desk2026",
            "dkim_private_key_file": str(key_file),
        }
    )
    Pipeline(settings, sessions, ReplyRenderer(settings), utc_now).ingest(
        make_mail(), source="smtp", mailbox=SUPPORT
    )
    report = deliver_due(sessions, settings.outbound, utc_now())
    assert report.sent == 1
    [path] = list((tmp_path / "outbox" / "new").iterdir())
    return path.read_bytes(), record


def test_the_acknowledgement_is_signed_and_verifies(make_settings, sessions, tmp_path):
    raw, record = _delivered(make_settings, sessions, tmp_path)
    asked: list[bytes] = []

    def dns(name: bytes, timeout: int = 5) -> bytes:
        asked.append(name)
        return record

    assert dkim.verify(raw, dnsfunc=dns)
    assert asked == [b"desk2026._domainkey.zsupport.example."]
    signature = email.message_from_bytes(raw)["DKIM-Signature"]
    tags = dict(part.strip().split("=", 1) for part in signature.split(";"))
    assert tags["d"] == "zsupport.example"
    assert tags["s"] == "desk2026"
    signed = tags["h"].replace(" ", "").replace("\r\n", "").lower().split(":")
    assert {"from", "to", "subject", "date", "message-id", "in-reply-to"} <= set(signed)


def test_a_changed_subject_breaks_the_signature(make_settings, sessions, tmp_path):
    raw, record = _delivered(make_settings, sessions, tmp_path)
    forged = raw.replace(b"Subject: ", b"Subject: URGENT ", 1)
    assert forged != raw
    assert not dkim.verify(forged, dnsfunc=lambda name, timeout=5: record)
