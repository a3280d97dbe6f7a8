"""Safe attachment names: what a sender calls a file must never act as a path or hide text.

An attachment's name comes from the sender (``filename=``, RFC 2231 ``filename*=``, RFC 2047
words, ``name=``, a Content-ID) and is stored, listed by ``messages show`` and may one day be
used to write the file out. So it is reduced to a single path component a person can read:
directories and drive letters are dropped (``../../etc/passwd`` is ``passwd``, as browsers
save it), control and format characters (NUL, ESC, CR/LF, the right-to-left override that
turns ``invoice\u202egpj.exe`` into "invoiceexe.jpg") are removed, characters Windows refuses
become ``_``, and the length is bounded while keeping the extension. A name that is empty
after all that becomes ``unnamed``. Ordinary names pass through unchanged.
"""

from __future__ import annotations

import re
import unicodedata

MAX_NAME = 200  # characters; the column holds 255
_MAX_SUFFIX = 16
_SEPARATORS = re.compile(r"[/\\]")
_WINDOWS_RESERVED = re.compile(r'[<>:"|?*]')
UNNAMED = "unnamed"


def visible(text: str) -> str:
    """Only printable characters: any whitespace becomes a space, every other invisible
    character (control, format such as U+202E, private use, unassigned, surrogate) is dropped."""
    return "".join(" " if ch.isspace() else ch for ch in text if ch.isprintable() or ch.isspace())


def _bounded(name: str) -> str:
    """At most MAX_NAME characters, cutting the stem so a short extension survives."""
    if len(name) <= MAX_NAME:
        return name
    stem, dot, suffix = name.rpartition(".")
    if dot and stem and len(suffix) < _MAX_SUFFIX:
        return stem[: MAX_NAME - len(suffix) - 1].rstrip(" .") + "." + suffix
    return name[:MAX_NAME]


def safe_filename(name: str | None) -> str:
    """A single, visible, bounded path component for a sender-supplied attachment name.

    Args:
        name: the name as the sender gave it (already MIME-decoded), or None.

    Returns:
        A non-empty name without ``/``, ``\\``, ``..``, control characters or leading and
        trailing dots and spaces, at most MAX_NAME characters long.
    """
    shown = unicodedata.normalize("NFC", visible(name or ""))
    components = [c for c in _SEPARATORS.split(shown) if c.strip(" .")]
    base = components[-1] if components else ""
    base = _WINDOWS_RESERVED.sub("_", base).strip(" .")
    return _bounded(base).strip(" .") or UNNAMED
