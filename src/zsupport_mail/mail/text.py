"""Plain-text helpers: HTML to readable text, with no third-party dependency.

Scripts and styles are dropped, block elements become line breaks, entities are decoded. The
result is for reading and scoring, not for display, so layout fidelity does not matter.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "tr",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "blockquote",
        "pre",
        "hr",
        "ul",
        "ol",
    }
)
_SKIP_TAGS = frozenset({"script", "style", "head", "title"})


_QUOTED = "\x01"  # marks text inside a quote element; its lines become "> " lines


def _is_quote(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    """Quote markup of the usual clients: any blockquote (Apple Mail's type=cite, Gmail's
    gmail_quote, Thunderbird's cite) and Gmail's gmail_quote container div."""
    if tag == "blockquote":
        return True
    classes = dict(attrs).get("class") or ""
    return tag == "div" and "gmail_quote" in classes.split()


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0
        self._open: list[bool] = []  # per open div/blockquote: whether it is a quote
        self._quoting = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("div", "blockquote"):
            quote = _is_quote(tag, attrs)
            self._open.append(quote)
            self._quoting += quote
        if tag in _SKIP_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self._add("\n")
        elif tag == "td":
            self._add(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self._add("\n")
        if tag in ("div", "blockquote") and self._open:
            self._quoting -= self._open.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._add(data)

    def _add(self, text: str) -> None:
        self.parts.append(text.replace("\n", f"\n{_QUOTED}") if self._quoting else text)


def _quote_marked(line: str) -> str:
    if _QUOTED not in line:
        return line
    text = line.replace(_QUOTED, "").strip()
    return f"> {text}" if text else ""


def html_to_text(html: str) -> str:
    """Readable text from an HTML body."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    text = "".join(extractor.parts).replace("\xa0", " ")
    lines = [_quote_marked(" ".join(line.split())) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
