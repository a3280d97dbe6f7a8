"""Text parts whose declared charset is wrong, decoded as their sender meant them.

Peers' trackers list the same mislabelled mail again and again: UTF-8 declared as latin-1 or
windows-1258 (read as "Ã©" soup), windows-1250 declared as UTF-8 (read as "\ufffd" soup), and
charsets Python does not know. The rules, in order:

1. bytes that are valid UTF-8 and not plain ASCII are UTF-8, whatever the label says: text
   in a single-byte charset is almost never valid UTF-8 by chance;
2. otherwise the declared charset, if Python knows it and it decodes every byte;
3. otherwise charset-normalizer's best guess from the bytes themselves;
4. otherwise UTF-8 with replacement characters.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

# Detection reads at most this much: enough for a confident guess, bounded for huge parts.
_DETECT_BYTES = 64 * 1024


def _known(charset: str | None) -> str | None:
    if not charset:
        return None
    try:
        return codecs.lookup(charset).name
    except LookupError:
        return None


def decode_text(payload: bytes, declared: str | None) -> str:
    """The text of a body part from its decoded bytes and its declared charset (maybe wrong)."""
    charset = _known(declared)
    if payload.isascii():  # still the label's: ISO-2022-JP and UTF-7 are written in ASCII
        try:
            return payload.decode(charset or "ascii")
        except UnicodeDecodeError:
            return payload.decode("ascii")
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if charset is not None and charset != "utf-8":
        try:
            return payload.decode(charset)
        except UnicodeDecodeError:
            pass
    best = from_bytes(payload[:_DETECT_BYTES]).best()
    if best is not None:
        return payload.decode(best.encoding, "replace")
    return payload.decode("utf-8", "replace")


def naive_text(payload: bytes, declared: str | None) -> str:
    """The text a reader that trusts the label gets (mail-parser's way), to find and replace."""
    try:
        return payload.decode(declared or "utf-8")
    except (LookupError, UnicodeError):
        return payload.decode("utf-8", "replace")


def repair_texts(texts: list[str], parts: list[tuple[bytes, str | None]]) -> list[str]:
    """texts (as a label-trusting parser decoded them) with mislabelled parts decoded again.

    Args:
        texts: the body texts the parser produced, one per text part.
        parts: each text part's decoded bytes and declared charset.
    """
    fixes: dict[str, str] = {}
    for payload, declared in parts:
        if payload.isascii():
            continue
        naive, good = naive_text(payload, declared), decode_text(payload, declared)
        if naive != good:
            fixes[naive] = good
    return [fixes.get(text, text) for text in texts] if fixes else texts
