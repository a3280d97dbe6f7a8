"""Answers typed onto the quoted lines of our notice: "> Board serial number: 620LQ".

A plain-text client quotes our notice with ">" marks; a sender who types the value right after
a quoted label leaves it on the quoted line. We send those labels blank, so a value after one
of them, in the first quoted message when that message is our notice and above its "What we
already have" part, is the sender's answer. Anything else on a quoted line is history.
"""

from __future__ import annotations

import re

_QUOTED = re.compile(r"^[ \t]*>(?![ \t]*>)[ \t]?(.*)$")  # one level of quoting only


def quoted_form_answers(text: str) -> str:
    """ "label: value" lines the sender typed onto our quoted notice's blank form lines."""
    if ">" not in text or ("ZS-" not in text and "Z-Support" not in text):
        return ""  # no quote, or none of ours
    from zsupport_mail.scoring import text as reading  # our notice's form (its reader's)

    block: list[str] = []
    for line in text.splitlines():
        quoted = _QUOTED.match(line)
        if quoted:
            block.append(quoted.group(1).strip())
        elif block and line.strip():
            break  # the first quoted message ends at the sender's next own line
    if not block or reading._OUR_NOTICE.search("\n".join(block)[:2000]) is None:
        return ""
    answers = []
    for line in block:
        if reading._NOTICE_END.match(line):
            break
        form = reading._FORM_LINE.match(line)
        if form is None or reading._WHO.search(form.group(1)):
            continue  # our own phone and address are in the notice too
        value = form.group(2).strip()
        if value not in reading._PLACEHOLDERS:
            answers.append(f"{form.group(1)}: {value}")
    return "\n".join(answers)
