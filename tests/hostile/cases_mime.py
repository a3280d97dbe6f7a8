"""Hostile MIME structure and transfer encodings: boundaries, base64, QP, charsets, nesting."""

from __future__ import annotations

from collections.abc import Iterator

from tests.hostile.build import (
    DANA,
    REPORT,
    Case,
    attachment,
    headers,
    join_parts,
    mail,
    multipart,
    text_part,
)

LATIN1 = "Müller from Société Générale: the phones in Østergaard's office drop calls.\r\n"


def boundaries() -> Iterator[Case]:
    c = "mime_boundary"
    pdf = attachment(b"%PDF-1.4 fake", b"report.pdf", b"application/pdf")
    yield c, "missing_close", multipart("b-missing-close", [text_part(), pdf], close=False)
    yield (
        c,
        "never_used",
        headers(
            "b-never-used",
            extra=[b"MIME-Version: 1.0", b'Content-Type: multipart/mixed; boundary="X"'],
        )
        + REPORT,
    )
    yield (
        c,
        "no_boundary_param",
        headers("b-no-param", extra=[b"MIME-Version: 1.0", b"Content-Type: multipart/mixed"])
        + join_parts([text_part()], b"HB"),
    )
    yield c, "empty_boundary", multipart("b-empty", [text_part()], boundary=b"")
    yield c, "boundary_10k", multipart("b-10k", [text_part(), pdf], boundary=b"Q" * 10_000)
    inner = b'Content-Type: multipart/alternative; boundary="IN"\r\n\r\n' + join_parts(
        [text_part(), b"Content-Type: text/html\r\n\r\n<p>html</p>"], b"IN", close=False
    )
    yield c, "nested_unclosed_inner", multipart("b-nested-unclosed", [inner, pdf])
    crossed = b'Content-Type: multipart/alternative; boundary="IN"\r\n\r\n--IN\r\n' + (
        text_part() + b"\r\n--HB--\r\n--IN--\r\n"
    )
    yield c, "nested_mismatched_close", multipart("b-nested-crossed", [crossed, pdf])
    same = b'Content-Type: multipart/alternative; boundary="HB"\r\n\r\n' + join_parts(
        [text_part()], b"HB"
    )
    yield c, "nested_same_boundary", multipart("b-nested-same", [same, pdf])
    yield (
        c,
        "boundary_in_body",
        multipart("b-in-body", [text_part(REPORT + b"--HB\r\n--HB--\r\n"), pdf], close=True),
    )
    yield c, "multipart_no_parts", multipart("b-no-parts", [])
    yield (
        c,
        "ten_thousand_parts",
        multipart("b-10k-parts", [text_part(b"x")] * 10_000, subtype=b"mixed"),
    )
    deep = text_part()
    for level in range(100):
        boundary = f"L{level}".encode()
        deep = (
            b'Content-Type: multipart/mixed; boundary="'
            + boundary
            + b'"\r\n\r\n'
            + join_parts([deep], boundary)
        )
    yield c, "multipart_100_deep", multipart("b-100-deep", [deep])
    yield c, "digest_garbage", multipart("b-digest", [b"not a message at all"], subtype=b"digest")


def transfer_encodings() -> Iterator[Case]:
    c = "bad_encoding"
    bad = [
        ("b64_invalid_chars", b"base64", b"!!!!not*base64$$$$\r\n%%%%\r\n"),
        ("b64_bad_padding", b"base64", b"U2luY2UgdGhpcyBtb3JuaW5n=\r\n"),
        ("b64_truncated", b"base64", b"U2luY2UgdGhpcyBtb3Jua\r\n"),
        ("b64_padding_middle", b"base64", b"U2k=U2luY2U=\r\nZHJvcHM=\r\n"),
        ("b64_binary_in_text", b"base64", b"\x00\xff\xfe" * 100 + b"\r\n"),
        ("qp_bad_escapes", b"quoted-printable", b"Calls =ZZ drop =G1 after =\r\n30 s=\r\n="),
        ("qp_trailing_equals", b"quoted-printable", REPORT + b"="),
        ("qp_long_line", b"quoted-printable", b"=41" * 100_000 + b"\r\n"),
        ("cte_unknown", b"x-gzip64", REPORT),
        ("cte_uuencode_broken", b"x-uuencode", b"begin 644 f.txt\r\n!!!!garbage\r\n"),
        ("cte_trailing_space", b"base64 ", b"U2luY2UgdGhpcyBtb3JuaW5n\r\n"),
        ("cte_binary_nul", b"binary", b"Calls\x00drop\x00" * 50),
    ]
    for name, cte, body in bad:
        yield (
            c,
            name,
            mail(
                f"e-{name}",
                body,
                extra=[
                    b"MIME-Version: 1.0",
                    b"Content-Type: text/plain; charset=utf-8",
                    b"Content-Transfer-Encoding: " + cte,
                ],
            ),
        )
    broken_attachment = (
        b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="broken.pdf"\r\n\r\n'
        b"JVBERi0xLjQK***broken***=\r\n=AAAA\r\n"
    )
    yield c, "attachment_b64_broken", multipart("e-att-broken", [text_part(), broken_attachment])
    qp_attachment = (
        b"Content-Type: text/csv\r\nContent-Transfer-Encoding: quoted-printable\r\n"
        b'Content-Disposition: attachment; filename="calls.csv"\r\n\r\n'
        b"date,from,to=0D=0A=ZZ2026-11-25,2045,=\r\n"
    )
    yield c, "attachment_qp_broken", multipart("e-att-qp", [text_part(), qp_attachment])


def charsets() -> Iterator[Case]:
    c = "lying_charset"
    latin1 = LATIN1.encode("latin-1")
    variants = [
        ("utf8_declared_latin1_bytes", b"utf-8", latin1),
        ("unknown_charset", b"x-unknown", latin1),
        ("undefined_charset", b'"undefined"', latin1),
        ("codec_not_text", b"base64", REPORT),
        ("codec_rot13", b"rot13", REPORT),
        ("utf16_odd_bytes", b"utf-16", b"\xff\xfeA\x00B"),
        ("utf7", b"utf-7", b"+AGEAYgBj- calls drop +ZZZZ"),
        ("ascii_with_8bit", b"us-ascii", latin1),
        ("empty_charset", b'""', latin1),
        ("charset_1k", b"x" * 1000, REPORT),
        ("idna_codec", b"idna", b"\xff.\xfe"),
        ("zlib_codec", b"zlib_codec", b"not zlib"),
    ]
    for name, charset, body in variants:
        yield (
            c,
            name,
            mail(
                f"c-{name}",
                body,
                extra=[b"MIME-Version: 1.0", b"Content-Type: text/plain; charset=" + charset],
            ),
        )
    html = b"Content-Type: text/html; charset=x-mac-klingon\r\n\r\n<p>" + latin1 + b"</p>"
    yield c, "html_unknown_charset", multipart("c-html", [html], subtype=b"alternative")
    yield (
        c,
        "encoded_word_unknown",
        mail("c-ew-unknown", subject=b"=?x-unknown?B?U2luY2UgdGhpcw==?= =?utf-8?Q?bad=ZZ?="),
    )
    yield c, "encoded_word_broken_b64", mail("c-ew-b64", subject=b"=?utf-8?B?!!!notb64?=")
    yield (
        c,
        "encoded_word_name",
        mail("c-ew-name", sender=b"=?x-unknown?Q?Dana=FF?= <dana@acmedental.example>"),
    )


def nesting() -> Iterator[Case]:
    c = "nesting"
    inner = headers("n-inner-0") + REPORT
    for level in range(1, 51):
        inner = (
            headers(
                f"n-inner-{level}", extra=[b"MIME-Version: 1.0", b"Content-Type: message/rfc822"]
            )
            + inner
        )
    yield (
        c,
        "rfc822_50_deep",
        multipart("n-rfc822-50", [text_part(), b"Content-Type: message/rfc822\r\n\r\n" + inner]),
    )
    yield (
        c,
        "rfc822_empty",
        multipart("n-rfc822-empty", [text_part(), b"Content-Type: message/rfc822\r\n\r\n"]),
    )
    yield (
        c,
        "rfc822_garbage",
        multipart(
            "n-rfc822-garbage",
            [text_part(), b"Content-Type: message/rfc822\r\n\r\n\x00\xff\x00garbage"],
        ),
    )
    yield (
        c,
        "rfc822_base64",
        multipart(
            "n-rfc822-b64",
            [
                text_part(),
                b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                b"RnJvbTogeEB5Lnp6DQoNCmhp\r\n",
            ],
        ),
    )
    yield (
        c,
        "partial",
        multipart(
            "n-partial",
            [b'Content-Type: message/partial; id="x"; number=1; total=2\r\n\r\n' + headers("n-p")],
        ),
    )
    yield (
        c,
        "external_body",
        multipart(
            "n-external",
            [
                text_part(),
                b'Content-Type: message/external-body; access-type=URL; URL="file:///etc/passwd"'
                b"\r\n\r\nContent-Type: text/plain\r\n\r\n",
            ],
        ),
    )
    yield (
        c,
        "top_level_rfc822",
        headers("n-top", sender=DANA, extra=[b"MIME-Version: 1.0", b"Content-Type: message/rfc822"])
        + headers("n-top-inner")
        + REPORT,
    )


def cases() -> Iterator[Case]:
    """Every MIME case."""
    yield from boundaries()
    yield from transfer_encodings()
    yield from charsets()
    yield from nesting()
