"""Parse time of the mail peers choke on: huge HTML bodies (bounded) and a big winmail.dat.

``python bench/peer_mail.py`` parses, in this process, HTML-only mails whose HTML is 0.5, 1, 3
and 10 MB (a call-log table, as PBX reports mail it), and a mail carrying tnefparse's 1.5 MB
winmail.dat sample; it prints the median of 3 parses of each, in milliseconds, and the length
of the stored text. Only the first 300,000 HTML characters are turned into text
(mail/text.py), so the text stays bounded whatever the HTML's size; the MIME parse itself
still reads the whole message (bounded by smtp.max_message_bytes).
"""

from __future__ import annotations

import statistics
import sys
import time
from email.message import EmailMessage
from email.policy import SMTP

import benchlib

sys.path.insert(0, str(benchlib.ROOT))

from tests.corpora import pypi_sdist

from zsupport_mail.mail.message import parse_message

ROW = "<tr><td>2026-11-25 10:42:01</td><td>ext 2045</td><td>408 Request Timeout</td></tr>\n"


def _mail(body: str | bytes, *, html: bool) -> bytes:
    message = EmailMessage()
    message["From"], message["To"] = "dana@acmedental.example", "support@zsupport.example"
    message["Subject"] = "Call log"
    if html:
        assert isinstance(body, str)
        message.set_content(body, subtype="html")
    else:
        assert isinstance(body, bytes)
        message.set_content("Outlook attachment follows.")
        message.add_attachment(
            body, maintype="application", subtype="ms-tnef", filename="winmail.dat"
        )
    return message.as_bytes(policy=SMTP)


def _median_ms(raw: bytes) -> tuple[float, int]:
    times, text = [], 0
    for _ in range(3):
        start = time.perf_counter()
        parsed = parse_message(raw)
        times.append((time.perf_counter() - start) * 1000)
        text = len(parsed.text)
    return round(statistics.median(times), 1), text


def main() -> None:
    """Print one JSON object: per case, message bytes, median parse ms and stored text length."""
    results = {}
    for megabytes in (0.5, 1, 3, 10):
        html = "<html><body><table>" + ROW * int(megabytes * 1_000_000 / len(ROW)) + "</table>"
        raw = _mail(html, html=True)
        ms, text = _median_ms(raw)
        results[f"html_{megabytes}MB"] = {"bytes": len(raw), "parse_ms": ms, "text_chars": text}
    tnef = (pypi_sdist("tnefparse-1.4.0") / "tests" / "examples" / "bad_checksum.tnef").read_bytes()
    raw = _mail(tnef, html=False)
    ms, text = _median_ms(raw)
    results["winmail_dat_1.5MB"] = {"bytes": len(raw), "parse_ms": ms, "text_chars": text}
    benchlib.print_json(results)


if __name__ == "__main__":
    main()
