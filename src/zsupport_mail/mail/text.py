"""Plain-text helpers: HTML to readable text, with no third-party dependency.

Scripts and styles are dropped, block elements become line breaks, entities are decoded. The
result is for reading and scoring, not for display, so layout fidelity does not matter.
An inline image (``<img src="cid:...">``, or Outlook's ``[cid:...]`` in the plain part)
becomes ``[image: NAME]``, naming the attachment that holds it. HTML beyond MAX_HTML_CHARS
is not read: a multi-megabyte generated report would only cost time and memory, and the raw
message keeps all of it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html.parser import HTMLParser
from urllib.parse import unquote

MAX_HTML_CHARS = 300_000  # html.parser reads about 0.7 MB/s here: ~0.4 s at most
TRUNCATED_NOTE = "[The rest of this HTML body is not shown here: it is kept in the original mail.]"
_OUTLOOK_CID = re.compile(r"\[cid:([^\]\s]{1,500})\]", re.IGNORECASE)

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


def _image_label(cid: str, images: Mapping[str, str]) -> str:
    key = unquote(cid).strip().strip("<>").strip().lower()
    return f"[image: {images[key]}]" if key in images else "[image]"


def link_inline_images(text: str, images: Mapping[str, str]) -> str:
    """Outlook's ``[cid:image001.png@01D9...]`` placeholders named after their attachment."""
    return _OUTLOOK_CID.sub(lambda m: _image_label(m[1], images), text)


_QUOTED = "\x01"  # marks text inside a quote element; its lines become "> " lines


def _is_quote(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    """Quote markup of the usual clients: any blockquote (Apple Mail's type=cite, Gmail's
    gmail_quote, Thunderbird's cite) and Gmail's gmail_quote container div."""
    if tag == "blockquote":
        return True
    classes = dict(attrs).get("class") or ""
    return tag == "div" and "gmail_quote" in classes.split()


class _TextExtractor(HTMLParser):
    def __init__(self, images: Mapping[str, str]) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0
        self._images = images
        self._open: list[bool] = []  # per open div/blockquote: whether it is a quote
        self._quoting = 0
        self._tables: list[bool] = []  # per open table: whether it has header cells (<th>)
        self._cells = 0  # cells opened in the current row
        self._mailto: list[tuple[str, int]] = []  # open <a href="mailto:...">: address, part

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = (dict(attrs).get("href") or "").strip()
            if href.lower().startswith("mailto:"):
                self._mailto.append((href[7:].split("?")[0], len(self.parts)))
        if tag in ("div", "blockquote"):
            quote = _is_quote(tag, attrs)
            self._open.append(quote)
            self._quoting += quote
        if tag == "img" and not self._skipping:
            source = dict(attrs).get("src") or ""
            if source.lower().startswith("cid:"):
                self._add(f" {_image_label(source[4:], self._images)} ")
        elif tag in _SKIP_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self._add("\n")
            self._row_or_table(tag)
        elif tag in ("td", "th"):
            if tag == "th" and self._tables:
                self._tables[-1] = True
            # A table with a header row keeps its columns apart ("Board SN | Appliance SN"
            # over "620LQ | 6326V"), so each value can be read under its header.
            header_table = bool(self._tables and self._tables[-1])
            self._add(" | " if header_table and self._cells else " ")
            self._cells += 1

    def _row_or_table(self, tag: str) -> None:
        if tag == "table":
            self._tables.append(False)
        if tag in ("table", "tr"):
            self._cells = 0

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._mailto:  # "<a href=mailto:dana@...>Dana Smith</a>": the
            address, first = self._mailto.pop()  # address is what the reader needs to see
            shown = "".join(self.parts[first:])
            if address and address.lower() not in shown.lower() and not self._skipping:
                self._add(f" <{address}>")
        if tag == "table" and self._tables:
            self._tables.pop()
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


def html_to_text(html: str, images: Mapping[str, str] | None = None) -> str:
    """Readable text from an HTML body (its first MAX_HTML_CHARS), inline images named."""
    extractor = _TextExtractor(images or {})
    extractor.feed(html[:MAX_HTML_CHARS])
    extractor.close()
    text = "".join(extractor.parts).replace("\xa0", " ")
    lines = [_quote_marked(" ".join(line.split())) for line in text.splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return f"{text}\n\n{TRUNCATED_NOTE}" if len(html) > MAX_HTML_CHARS else text
