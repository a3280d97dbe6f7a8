"""safe_filename: a sender's attachment name is stored as one visible, bounded component."""

from __future__ import annotations

import pytest

from zsupport_mail.mail.filenames import MAX_NAME, safe_filename


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("calls.csv", "calls.csv"),
        ("Call log 2026-11-25 (main office).xlsx", "Call log 2026-11-25 (main office).xlsx"),
        ("Müller Société.pdf", "Müller Société.pdf"),
        ("../../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("/etc/shadow", "shadow"),
        ("C:\\Windows\\System32\\evil.dll", "evil.dll"),
        ("\\\\server\\share\\x.exe", "x.exe"),
        ("logs/../../x/./../calls.csv", "calls.csv"),
        ("trailing/", "trailing"),
        (".", "unnamed"),
        ("..", "unnamed"),
        ("", "unnamed"),
        (None, "unnamed"),
        ("   ", "unnamed"),
        (".bashrc", "bashrc"),
        ("calls.csv. . .", "calls.csv"),
        ("a\x07b\x1bc\x7fd\x00.txt", "abcd.txt"),
        ("calls\r\n.csv", "calls  .csv"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ("report.pdf:Zone.Identifier", "report.pdf_Zone.Identifier"),
        ('what?"<>|*.txt', "what______.txt"),
    ],
)
def test_safe_filename(given, stored):
    assert safe_filename(given) == stored


def test_long_names_are_bounded_and_keep_their_extension():
    safe = safe_filename("n" * 10_000 + ".csv")
    assert len(safe) == MAX_NAME
    assert safe.endswith("n.csv")
    assert len(safe_filename("x" * 10_000)) == MAX_NAME
