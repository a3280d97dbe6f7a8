"""Hostile headers: raw bytes, missing and duplicate From/Message-ID, huge headers, recipients."""

from __future__ import annotations

import random
from collections.abc import Iterator

from tests.hostile.build import DANA, DATE, REPORT, SUPPORT, Case, headers, mail


def header_bytes() -> Iterator[Case]:
    c = "header_bytes"
    yield c, "subject_8bit_latin1", mail("h-8bit", subject="Appels coupés".encode("latin-1"))
    yield c, "subject_nul", mail("h-subject-nul", subject=b"Calls\x00drop\x00")
    yield c, "from_name_nul", mail("h-from-nul", sender=b"Dana\x00Smith <dana@acmedental.example>")
    yield c, "from_name_8bit", mail("h-from-8bit", sender=b"D\xe4n\xe4 <dana@acmedental.example>")
    yield c, "subject_bare_cr", mail("h-bare-cr", subject=b"Calls\rBcc: victim@example.org")
    yield c, "subject_control_chars", mail("h-ctl", subject=bytes(range(1, 32)).replace(b"\n", b""))
    yield c, "line_without_colon", mail("h-no-colon", extra=[b"this line has no colon at all"])
    yield c, "header_name_space", mail("h-name-space", extra=[b"X Bad Name: value"])
    yield c, "header_name_8bit", mail("h-name-8bit", extra=[b"X-\xff\xfe: value"])
    yield c, "fold_only", mail("h-fold-only", extra=[b"X-Folded:\r\n \r\n \r\n \r\n\t"])
    yield c, "continuation_first", b" continuation before any header\r\n" + mail("h-cont-first")
    yield c, "lf_only_line_ends", mail("h-lf").replace(b"\r\n", b"\n")
    yield c, "cr_only_line_ends", mail("h-cr").replace(b"\r\n", b"\r")
    yield c, "mixed_line_ends", mail("h-mixed").replace(b"\r\n", b"\n", 3)
    yield c, "nul_in_header_name", mail("h-nul-name", extra=[b"X-A\x00B: v"])


def senders() -> Iterator[Case]:
    c = "sender"
    yield c, "no_from", mail("s-no-from", sender=None)
    yield c, "empty_from", mail("s-empty-from", sender=b"")
    yield c, "from_display_only", mail("s-display-only", sender=b"Dana Smith")
    yield c, "from_group_empty", mail("s-group", sender=b"undisclosed-recipients:;")
    yield c, "from_invalid", mail("s-invalid", sender=b"dana@")
    yield c, "from_two_headers", mail("s-two-from", extra=[b"From: Mallory <mallory@evil.example>"])
    yield (
        c,
        "from_many_addresses",
        mail("s-many", sender=b"mallory@evil.example, dana@acmedental.example"),
    )
    yield c, "from_long_local", mail("s-long", sender=b"a" * 5000 + b"@acmedental.example")
    yield c, "from_unknown_domain", mail("s-unknown", sender=b"someone@evil.example")
    yield c, "sender_only", mail("s-sender-only", sender=None, extra=[b"Sender: " + DANA])
    yield c, "from_angle_garbage", mail("s-angles", sender=b"<<<>>> <@> <dana@acmedental.example")
    yield (
        c,
        "from_encoded_address",
        mail("s-encoded", sender=b"=?utf-8?B?ZGFuYUBhY21lZGVudGFsLmV4YW1wbGU=?="),
    )


def message_ids() -> Iterator[Case]:
    c = "message_id"
    yield c, "missing", mail("m-missing", message_id=None, subject=b"No Message-ID here")
    yield (
        c,
        "duplicate_header",
        mail("m-dup", extra=[b"Message-ID: <second-m-dup@acmedental.example>"]),
    )
    yield c, "no_brackets", mail("m-nobrackets", message_id=b"bare-id@acmedental.example")
    yield c, "huge_5000", mail("m-huge", message_id=b"<" + b"x" * 5000 + b"@acmedental.example>")
    yield c, "nul_inside", mail("m-nul", message_id=b"<m\x00nul@acmedental.example>")
    yield (
        c,
        "in_reply_to_huge",
        mail("m-irt-huge", extra=[b"In-Reply-To: <" + b"r" * 20_000 + b"@x>"]),
    )
    refs = b" ".join(f"<ref-{i}@acmedental.example>".encode() for i in range(5000))
    yield c, "references_5000", mail("m-refs", extra=[b"References: " + refs])
    yield (
        c,
        "in_reply_to_self",
        mail("m-self", extra=[b"In-Reply-To: <hostile-m-self@acmedental.example>"]),
    )
    yield (
        c,
        "in_reply_to_earlier_case",
        mail("m-reply", extra=[b"In-Reply-To: <hostile-b-missing-close@acmedental.example>"]),
    )


def sizes() -> Iterator[Case]:
    c = "huge_header"
    rng = random.Random("hostile:recipients")
    many = b", ".join(
        f"user{i}.{rng.randrange(10**6)}@client{i % 37}.example".encode() for i in range(1000)
    )
    yield (
        c,
        "to_1000_recipients",
        mail("z-to-1000", extra=[b"Cc: " + many]).replace(
            b"To: " + SUPPORT, b"To: " + SUPPORT + b", " + many, 1
        ),
    )
    yield c, "subject_1mb", mail("z-subject-1mb", subject=b"drop " * 200_000)
    yield c, "header_1mb_unfolded", mail("z-1mb", extra=[b"X-Huge: " + b"A" * 2**20])
    folded = b"X-Folded-Huge: " + b"\r\n ".join([b"word"] * 200_000)
    yield c, "header_1mb_folded", mail("z-1mb-folded", extra=[folded])
    yield (
        c,
        "ten_thousand_headers",
        mail("z-10k-headers", extra=[f"X-H{i}: {i}".encode() for i in range(10_000)]),
    )
    yield (
        c,
        "content_type_1000_params",
        mail(
            "z-params",
            extra=[b"Content-Type: text/plain; " + b"; ".join(b"p%d=v" % i for i in range(1000))],
        ),
    )
    yield (
        c,
        "garbage_dates",
        headers(
            "z-dates", extra=[b"Date: Feb 31 99999 25:61:61 +9999", b"Received: from ;;; by ;;"]
        ).replace(b"Date: " + DATE + b"\r\n", b"", 1)
        + REPORT,
    )
    yield c, "body_line_1mb", mail("z-line", b"x" * 2**20)  # was n^2 in the e-mail regex
    yield c, "dashed_digits_100k", mail("z-dashed", b"5-" * 50_000)  # was n^2 in notes
    yield c, "message_id_8bit", mail("z-mid-8bit", message_id=b"<m\xc2\x80@x\xff>")
    yield (
        c,
        "dana_unicode_address",
        mail("z-idn", sender="Dana <dana@acmedéntal.example>".encode(), subject=b"IDN"),
    )
    yield (
        c,
        "from_raw_sender_header_loop",
        mail("z-loop", extra=[b"X-Loop: support@zsupport.example", b"Return-Path: " + DANA]),
    )


def cases() -> Iterator[Case]:
    """Every header case."""
    yield from header_bytes()
    yield from senders()
    yield from message_ids()
    yield from sizes()
