"""What the sender actually wrote: their reply without quoted history, their signature apart,
forwarded reports kept, and the lines of our fill-in form recognised with certainty.

Quote and signature splitting uses ``mail-parser-reply`` (maintained, multi-language headers
for Outlook, Gmail, Apple Mail, Thunderbird in en/de/fr/es/...): the hand-written version of
this is the part of every helpdesk that keeps growing regexes. A forwarded report (a client's
IT contact forwarding an end user's mail) is the report, so its text is kept.
"""

from __future__ import annotations

import re
from functools import lru_cache

from mailparser_reply import EmailReplyParser
from mailparser_reply.parser import EmailMessage, EmailReply

from zsupport_mail.scoring.quoted_answers import quoted_form_answers
from zsupport_mail.scoring.types import ITEM_KEYS, ITEM_LABELS

_LANGUAGES = ["en", "de", "fr", "es", "it", "nl"]
_FORWARD_MARKER = re.compile(
    r"^[ \t>]*(?:-{3,}\s*(?:Forwarded message|Weitergeleitete Nachricht|Message transféré|"
    r"Mensaje reenviado|Original Message|Ursprüngliche Nachricht)\s*-*|Begin forwarded message:)"
    r"[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_FORWARD_SUBJECT = re.compile(r"^\s*(?:fwd?|wg|tr|rv)\s*:", re.IGNORECASE)

FORM_LABELS: dict[str, tuple[str, ...]] = {
    "company": ("company", "company name", "firma", "empresa", "société"),
    "contact_name": ("contact name", "contact", "name"),
    "contact_email": ("contact e-mail", "contact email", "e-mail", "email"),
    "contact_phone": ("contact phone", "contact phone number", "phone", "telephone"),
    "board_serial": ("board serial", "board serial number", "board s/n", "board sn"),
    "appliance_serial": (
        "appliance serial",
        "appliance serial number",
        "appliance s/n",
        "appliance sn",
        "chassis serial",
    ),
    "software_version": ("software version", "mx version", "version"),
    "description": ("description", "problem description", "detailed description"),
    "reproducible": ("reproducible", "can the issue be reproduced", "reproduce"),
    "call_examples": ("call example", "call examples", "call example(s)"),
    "internal_ticket": (
        "internal ticket",
        "internal ticket number",
        "your internal ticket number",
        "ticket number",
        "our ticket",
    ),
    "notes": ("notes", "note"),
    "call_logs": ("call logs", "call log"),
}
_LABEL_TO_KEY = {label: key for key, labels in FORM_LABELS.items() for label in labels}
_FORM_LINE = re.compile(
    r"^[ \t]*(?:[-*•][ \t]*)?("
    + "|".join(sorted((re.escape(k) for k in _LABEL_TO_KEY), key=len, reverse=True))
    + r")[ \t]*:[ \t]*(\S.*?)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
FORM_EXAMPLES = {  # what our notice prints after a label; coming back unchanged means no answer
    "call_examples": "YYYY-MM-DD HH:MM, from <number/extension/user>, to <number/extension/user>",
    "reproducible": "yes / no / sometimes",
}
_PLACEHOLDERS = frozenset({"...", "…", "?", "-", "_", "__", "___", *FORM_EXAMPLES.values()})
assert set(FORM_LABELS) <= set(ITEM_KEYS)


@lru_cache(maxsize=1)
def _parser() -> EmailReplyParser:
    return EmailReplyParser(languages=_LANGUAGES)


_BULLET = re.compile(r"^[ \t]*- ?\w", re.MULTILINE)
_ATTRIBUTION = re.compile(
    r"^[^\n]*(?:Z-Support|zsupport)[^\n]*"
    r"\b(?:wrote|schrieb|a (?:é|e)crit|escribi(?:ó|o))\b[^\n]*:[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# What only quoted history holds: our tag or name, an attribution, a mail header line.
_HISTORY = re.compile(
    r"\bZS-\d{3,}|Z-Support|\b(?:wrote|schrieb|a (?:é|e)crit|escribi(?:ó|o)|ha scritto|schreef)\b"
    r"|^[ \t*]*(?:From|Von|De|Da|Van|Sent|Gesendet|Envoy(?:é|e)|Enviado)[ \t*]*:",
    re.IGNORECASE | re.MULTILINE,
)


_ATTRIBUTION_PART = re.compile(r"<\s*$|@|\d{1,4}[./:-]\d{1,2}")


def drop_quoted(text: str) -> str:
    """Remove ``>``-quoted lines and the attribution line ending in ":" just above them.

    A backstop for clients and languages the reply parser does not know (a Russian Android
    header, Thunderbird's quote-first layout): quoted text is never the sender's own words.
    """
    lines = text.splitlines()
    kept: list[str] = []
    for index, line in enumerate(lines):
        if line.lstrip().startswith(">"):
            continue
        if line.rstrip().endswith(":") and _next_text_line(lines, index).lstrip().startswith(">"):
            while kept and _ATTRIBUTION_PART.search(kept[-1]):
                kept.pop()  # a wrapped attribution line ("On 02.04.2012 ... <\nbob@x> wrote:")
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def _next_text_line(lines: list[str], index: int) -> str:
    """The first non-blank line after lines[index] ("" if none), without copying the rest."""
    for following in range(index + 1, len(lines)):
        if lines[following].strip():
            return lines[following]
    return ""


def interleaved(text: str) -> bool:
    """Whether the sender answered inline: own lines under a quoted question, then more quote.

    Such a reply's answers sit under the quoted questions, so cutting at the first quote (what
    a reply parser does) would lose them.
    """
    answered = False  # an own line came right after a quoted question
    last_quoted = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(">"):
            if answered:
                return True
            last_quoted = stripped.lstrip("> ").strip()
        elif stripped and last_quoted is not None:
            answered = answered or _asks(last_quoted) or _comment_value(stripped)
            last_quoted = None if not answered else last_quoted
    return False


_ITEM_VALUE = re.compile(  # a serial (620LQ), a ticket key (NET-2231), a version (17.0.6)
    r"\b(?=[A-Z]*\d)(?=\d*[A-Z])[A-Z0-9]{4,12}\b|\b[A-Z]{2,6}-\d{3,8}\b"
    r"|\b\d{1,2}\.\d{1,2}\.\d{1,3}\b"
)


def _comment_value(line: str) -> bool:
    """An own line under a quoted statement that gives an item's value (not a call)."""
    return bool(_ITEM_VALUE.search(line)) and not re.search(
        r"\d:\d\d|\b\d{1,2}\s*[ap]\.?m\b", line, re.IGNORECASE
    )


def answers_inline(text: str) -> str:
    """An inline-answered reply's answers, each joined to the question it answers.

    A quoted line that asks about a checklist item (a question, a "Label:" line, one of our
    notice's item or form lines) followed by the sender's own line becomes "label: answer", so
    the answer is read as a labelled value; the answer runs on, over blank lines, up to the
    next quote. Quoted lines themselves (the older thread, its serials and phones) and own
    lines under quoted statements (comments on the thread, not answers) are dropped.
    """
    lines = text.splitlines()
    kept: list[str] = []
    question: str | None = None
    answering = False  # inside the block of own lines right under a question
    last_quote = max(i for i, line in enumerate(lines) if line.lstrip().startswith(">"))
    for index, line in enumerate(lines):
        if index > last_quote and not answering:
            answering = True  # the closing below the last quote is the sender's own
        stripped = line.strip()
        if stripped.startswith(">"):
            asked = stripped.lstrip("> ").strip()
            question, answering = asked if _asks(asked) else _blank_form_label(asked), False
        elif not stripped:
            kept.append("")  # an answer may run over several paragraphs, up to the next quote
        elif stripped.endswith(":") and _next_text_line(lines, index).lstrip()[:1] == ">":
            question = None  # the "On ... wrote:" line above a quote
        elif question is not None:
            kept.append(f"{_label_of(question)}: {stripped}")
            question, answering = None, True
        elif answering or _comment_value(stripped):
            kept.append(line)
    return drop_quoted("\n".join(kept))


_OUR_NOTICE = re.compile(r"\bZS-\d{3,}\b|Z-Support")
_WHO = re.compile(r"phone|tel|e-?mail|name|company|firma|empresa|soci", re.IGNORECASE)
_NOTICE_END = re.compile(r"^(?:what we already have|please note|--\s*$)", re.IGNORECASE)


def notice_answers(quoted: str) -> str:
    """What the sender typed into our quoted notice in an Outlook-style reply, as
    "label: answer" lines: a value after one of our form's labels (we send them blank), or a
    line right under one of our questions. Only the first quoted message counts, and only when
    it is our notice; an older thread below it, or anyone else's mail, is history.
    """
    first_blank = quoted.find("\n\n")
    later = _OUTLOOK_HEADER.search(quoted, first_blank if first_blank > 0 else 1)
    message = quoted[: later.start() if later else len(quoted)]
    if _OUR_NOTICE.search(message[:2000]) is None:
        return ""
    lines = [line.strip() for line in message.splitlines()[1:] if line.strip()]
    answers = []
    for index, line in enumerate(lines):
        if _NOTICE_END.match(line):
            break
        if _WHO.search(line.partition(":")[0]):
            continue  # our own phone and address are in the notice too
        form = _FORM_LINE.match(line)
        if form and form.group(2).strip() not in _PLACEHOLDERS:
            answers.append(f"{form.group(1)}: {form.group(2).strip()}")
            continue
        question = _blank_form_label(line) or (line if _asks(line) else None)
        below = lines[index + 1] if index + 1 < len(lines) else ""
        answered = below and not (
            _asks(below) or _FORM_LINE.match(below) or _NOTICE_END.match(below)
        )
        if question and answered:
            answers.append(f"{_label_of(question)}: {below}")
    return "\n".join(answers)


def _label_of(question: str) -> str:
    """The short label of a question: "Call example(s)" for our notice's long item line."""
    words = re.sub(r"^(?:\d{1,2}[.)]|[-*•])\s*", "", question).rstrip(" ?:")
    known = [q for q in _QUESTIONS if words.lower().startswith(q)]
    return words[: len(known[-1])] if known else words


def _blank_form_label(line: str) -> str | None:
    """The label of one of our form's lines left blank ("Board serial: ..."), else None."""
    match = _FORM_LINE.match(line)
    if match and match.group(2).strip() in _PLACEHOLDERS:
        return match.group(1)
    return None


def _asks(line: str) -> bool:
    """A quoted line that asks for something and gives nothing itself (no number, no address)."""
    words = re.sub(r"^(?:\d{1,2}[.)]|[-*•])\s*", "", line)  # a list's number is no value
    if any(ch.isdigit() or ch == "@" for ch in words) or not _CHECKLIST_WORD.search(words):
        return False
    ours = words.lower().startswith(_QUESTIONS)  # our item lines ask, and they run long
    return ours or (line.endswith(("?", ":")) and len(line) <= 90)


# Our notice's item lines ("Software version (MX and/or client applications)") and form labels.
_QUESTIONS = tuple(
    sorted({*(v.split(" (")[0].lower() for v in ITEM_LABELS.values()), *_LABEL_TO_KEY}, key=len)
)
# What our checklist asks about, in the languages clients write in: an answer under any other
# quoted question is conversation, not a checklist item.
_CHECKLIST_WORD = re.compile(
    r"serial|s/n|\bsn\b|serie|version|release|software|ticket|reference|\bref\b|reproduc|happen"
    r"|example|beispiel|ejemplo|exemple|\bcalls?\b|anruf|llamad|appel|name|phone|tel|company"
    r"|firma|empresa|soci(?:é|e)t(?:é|e)|e-?mail|number|nummer|n(?:ú|u)mero|description"
    r"|beschreibung|descripci|problem|notes?\b|logs?\b|board|appliance|chassis|unit",
    re.IGNORECASE,
)


# A call example laid out as "Date: ... / From: ext 2045 / To: 720-555-0111" looks like a
# quoted mail's header block to a reply parser, which would then drop the rest of the mail as
# history. A header's From/To names a person or an address; these name a number or extension.
_CALL_PARTY_LINE = re.compile(
    r"^([ \t*]*(?:from|to|von|an|de|para|à|a|vers|desde|hacia|nach|calling|called)[ \t*]*):"
    r"(?=[^@<\n]*\d[^@<\n]*$)",
    re.IGNORECASE | re.MULTILINE,
)
_SHIELD = "\u2236"  # RATIO, stands in for the colon while the reply parser looks


def _shield(text: str) -> str:
    """The text with the colon of call-party lines ("From: ext 2045") hidden from header
    detection; _unshield puts it back in what the sender wrote."""
    return _CALL_PARTY_LINE.sub(lambda m: m.group(1) + _SHIELD, text) if ":" in text else text


def _unshield(text: str) -> str:
    return text.replace(_SHIELD, ":")


def split_reply(text: str) -> tuple[str, str]:
    """(the sender's newest text, its signature): quoted history of others removed."""
    body, signature = _split_reply(_shield(text))
    return _unshield(body), _unshield(signature)


def _split_reply(text: str) -> tuple[str, str]:
    outlook = _OUTLOOK_HEADER.search(text)
    typed_in = ""
    if outlook is not None:  # HTML replies quote without ">": cut at the quoted header
        typed_in = notice_answers(text[outlook.start() :])
        text = text[: outlook.start()]
    body, signature = _newest(text)
    typed_in = typed_in or quoted_form_answers(text)  # or onto its ">" lines
    if typed_in:  # answers typed into our quoted notice (Outlook marks no quote with ">")
        body = f"{typed_in}\n\n{body}"
    if interleaved(text):  # answers under quoted questions count: put them before the top
        first_quote = re.search(r"^[ \t]*>", text, re.MULTILINE)
        start = text.rfind("\n", 0, first_quote.start() if first_quote else 0) + 1
        answers = answers_inline(text[start:])
        body = f"{answers}\n\n{body}" if answers else body  # the top's sign-off stays last
    return body, signature


def _newest(text: str) -> tuple[str, str]:
    """The newest reply's body and signature.

    The reply parser takes a line starting "- " for the start of a signature, so a bulleted
    list ("- Board SN: 620LQ") and all below it would not be the sender's text. Read again
    with lists kept, that reading wins unless what it adds holds quoted history (a notice's
    item list, an unmarked quote below a "- Dana" sign-off).
    """
    body, signature = _read(text, keep_lists=False)
    if _BULLET.match(signature.lstrip("\n")):  # the parser cut at a "- " line: read again
        listed, listed_signature = _read(text, keep_lists=True)
        if len(listed) > len(body) and not _HISTORY.search(signature):
            body, signature = listed, listed_signature
    # our notice quoted under an attribution the reply parser did not know ("Z-Support
    # wrote:") below a "- Dana": its phone and our client's name are not the sender's
    history = _ATTRIBUTION.search(signature)
    signature = signature[: history.start()].rstrip() if history else signature
    return body, drop_quoted(signature)  # "> --" starts a signature of quoted lines too


def _replies(text: str, keep_lists: bool) -> list[EmailReply]:
    message = EmailMessage(text=text, languages=_parser().languages, keep_hyphen_lists=keep_lists)
    return list(message.read().replies)


def _read(text: str, keep_lists: bool) -> tuple[str, str]:
    try:
        replies = _replies(text, keep_lists)
    except Exception:  # a reply parser must never cost us the message
        return drop_quoted(text), ""
    if not replies:
        return drop_quoted(text), ""
    newest = replies[0]
    return drop_quoted(newest.body or ""), newest.signatures or ""


def forwarded_part(text: str, subject: str) -> str:
    """The forwarded report inside a forward, or "" when this is not a forward.

    Outlook forwards have no marker line, only a From:/Sent: (Von:/Gesendet:) header block:
    under a forward's subject (FW:, WG:, TR:, RV:), that block starts the forwarded report.
    """
    match = _FORWARD_MARKER.search(text)
    if match is None and _FORWARD_SUBJECT.match(subject):
        match = _FORWARD_HEADER.search(text)
    if match is None:
        return ""
    if match.re is _FORWARD_HEADER:  # quoted too in Apple Mail's and Gmail's HTML
        return "\n".join(line.lstrip("> ") for line in text[match.start() :].splitlines())
    is_forward = "forward" in match.group(0).lower() or _FORWARD_SUBJECT.match(subject)
    if not is_forward and "weitergeleitet" not in match.group(0).lower():
        return ""
    return "\n".join(line.lstrip("> ") for line in text[match.end() :].splitlines())


def own_text(text: str, subject: str) -> tuple[str, str, str]:
    """(the sender's own words, their signature, a forwarded report inside the mail)."""
    text = _shield(text)
    forwarded = forwarded_part(text, subject)
    marker = (_FORWARD_MARKER.search(text) or _FORWARD_HEADER.search(text)) if forwarded else None
    own = text[: marker.start()] if marker else text
    body, signature = _split_reply(own)
    return _unshield(body), _unshield(signature), _unshield(forwarded)


_OUTLOOK_HEADER = re.compile(  # an Outlook/HTML reply's quoted header block starts here
    r"^[ \t]*\**(?:From|Von|De|Da|Van)\**:[ \t]*\S.*\n(?:[ \t]*\n)?"
    r"[ \t]*\**(?:Sent|Gesendet|Enviado|Envoy[ée]|Inviato|Verzonden|Date|Datum)\**:",
    re.IGNORECASE | re.MULTILINE,
)


# A forwarded message's header block without a marker line: From: and, within a few lines,
# Sent:/Date:/Subject: (Outlook puts Sent: next, Apple Mail Subject: then Date:), maybe quoted.
_FORWARD_HEADER = re.compile(
    r"^[ \t>]*\**(?:From|Von|De|Da|Van)\**:[ \t]*\S.*\n(?:[ \t>]*\n)?"
    r"(?:[ \t>]*\**[\w-]+\**:.*\n){0,3}?"
    r"[ \t>]*\**(?:Sent|Date|Gesendet|Datum|Enviado|Envoy[ée]|Fecha|Subject|Betreff|Asunto|Objet)"
    r"\**:",
    re.IGNORECASE | re.MULTILINE,
)


def parse_form(text: str) -> dict[str, list[str]]:
    """Values of our form's lines (``Board serial: 620LQ``), by item key; placeholders skipped."""
    found: dict[str, list[str]] = {}
    for label, value in _FORM_LINE.findall(text):
        if value.strip() in _PLACEHOLDERS:
            continue
        found.setdefault(_LABEL_TO_KEY[label.lower()], []).append(value.strip())
    return found
