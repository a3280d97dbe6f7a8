"""What a mail is, decided before the checklist: only a problem report can be surcharged.

The contract charges $100 for "reporting call or system problems" without the required
information; a thank-you, a contact change, a request for a training call, a credit request
or an answer to one of our notices is not such a report. The reading follows the labelling
rules of tests/fixtures/intent/README.md, in their order:

1. automatic mail (out-of-office, challenge-response, helpdesk acknowledgements) is ``other``;
2. only the sender's own words count (quoted history removed, a forwarded report kept);
3. of two intents, the one that decides billing wins: a fault being reported makes the mail a
   ``problem_report`` whatever else it says; then credit over contact change over the rest.

When the mail only pleads about the phones without naming a fault ("call me asap about the
phones") it is read as a problem report that we are *not sure* of: the ticket opens and we
ask, but nothing is charged until staff decide (``#kind``). Pure: no database, no clock.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from datetime import date
from email.utils import parsedate_to_datetime

from zsupport_mail.intake import kind_words as words
from zsupport_mail.intake.dates import past_days
from zsupport_mail.intake.doubt import doubt, follows_up, live
from zsupport_mail.intake.kind_shape import (
    day_asked,
    for_the_record,
    network_change,
    states_about_the_phones,
    without_courtesy,
)
from zsupport_mail.intake.kind_text import (
    SENTENCE,
    MailText,
    faults,
    first_fault,
    reported,
)
from zsupport_mail.intake.malfunction import AGAIN_FINE, malfunction, planned
from zsupport_mail.intake.passed_on import passed_on
from zsupport_mail.intake.relayed import notifies, passes_on, relays
from zsupport_mail.intake.second_matter import changed_and_broke, second_matter, told_now
from zsupport_mail.intake.shipment import rma_number, tracking_numbers
from zsupport_mail.intake.types import KindReading as KindReading  # the public reading
from zsupport_mail.intake.unit_received import fault_beside, received_dead, sent_back
from zsupport_mail.mail.message import ParsedMessage
from zsupport_mail.scoring.text import own_text

KINDS = (
    "problem_report",
    "contact_change",
    "scheduling_request",
    "credit_request",
    "notice_reply",
    "rma_shipment",
    "other",
)
_FORWARDED = re.compile(r"^\s*(?:fwd?|wg|tr|rv)\s*:", re.IGNORECASE)
_SHORT = 12  # words: a mail this short may have its report below a sign-off
# What our outage and upgrade notices are about: named in an answer, it is the answer's matter.
_NOTICE_MATTER = re.compile(
    r"\b(?:outage|maintenance|downtime|window|upgrade|update)\b", re.IGNORECASE
)
# Words in quotes are someone else's: "callers hear 'This is an automated message'".
_QUOTED = re.compile(
    r"[\"\u201c\u201e][^\"\u201c\u201d\n]{1,200}[\"\u201d]|(?<!\w)'[^'\n]{1,200}'(?!\w)"
)


def _unresolved(
    pattern: re.Pattern[str], text: str, skip: re.Pattern[str] = words.RESOLVED
) -> str | None:
    """The first match of pattern in a sentence that does not say the matter is over (or
    whatever ``skip`` matches)."""
    for sentence in SENTENCE.split(text):
        if (
            not words.RESOLVED.search(sentence)
            and not AGAIN_FINE.search(sentence)  # "fixed 7/28", "closed", "fine since"
            and not skip.search(sentence)
            and (match := pattern.search(sentence))
        ):
            return match.group(0).strip()
    return None


def _notice(msg: ParsedMessage, text: MailText, notices: Mapping[str, str]) -> str | None:
    """Which of our notices the mail answers: by reference, by our subject, or by naming it."""
    for ref in msg.referenced_ids:
        if ref in notices:
            return notices[ref]
    for kind, pattern in words.NOTICE_SUBJECT.items():
        if pattern.search(text.subject):
            return kind
    return None


def _mentioned_notice(text: MailText) -> str | None:
    if not words.NOTICE_MENTION.search(text.own):
        return None
    return next((k for k, p in words.NOTICE_TOPIC.items() if p.search(text.all)), None)


def _tickets(text: str, prefix: str) -> tuple[str, ...]:
    pattern = re.compile(rf"\b{re.escape(prefix)}-\d+\b", re.IGNORECASE)
    return tuple(dict.fromkeys(m.group(0).upper() for m in pattern.finditer(text)))


def _written(msg: ParsedMessage) -> date | None:
    """The day the sender wrote the mail, in the sender's zone (its Date header)."""
    header = msg.first_header("date")
    try:
        return parsedate_to_datetime(header).date() if header else None
    except (TypeError, ValueError):
        return None


def read_kind(
    msg: ParsedMessage,
    *,
    notices: Mapping[str, str] | None = None,
    ticket_prefix: str = "ZS",
    written: date | None = None,
) -> KindReading:
    """Read the kind of a mail.

    Args:
        msg: the parsed mail.
        notices: Message-IDs of our own notices (outage announcements, upgrade notices,
            reminders), each mapped to its kind; a reply to one is that notice's reply.
        ticket_prefix: the prefix of our ticket numbers (``ZS`` in ``ZS-000123``).
        written: the day relative dates ("next Tuesday") count from, in the client's zone;
            the Date header's day when None.

    Returns:
        The KindReading; automatic mail is ``other`` with ``automatic`` set.
    """
    own, signature, forwarded = own_text(msg.text, msg.subject)
    passed = passed_on(msg, forwarded, ticket_prefix)
    reading = _read(
        msg,
        MailText(msg.subject, own, forwarded or passed, signature),
        notices,
        ticket_prefix,
        written,
    )
    if passed and reading.kind == "problem_report" and reading.sure:
        # A report passed on without a forward's marks: likely, never sure enough to charge.
        return dataclasses.replace(reading, sure=False, reason=f"{reading.reason} (passed on)")
    return reading


def _read(
    msg: ParsedMessage,
    text: MailText,
    notices: Mapping[str, str] | None,
    ticket_prefix: str,
    written: date | None,
) -> KindReading:
    """read_kind on the mail's own words and what it forwards."""
    own = text.own
    auto = (msg.first_header("auto-submitted") or "no").strip().lower()
    # A person forwarding an automatic message is not one: only an unforwarded mail is
    # told automatic by its words ("this is an automated alarm, forwarded by me" is a person's).
    by_subject = words.AUTOMATIC.search(msg.subject) is not None
    by_words = words.AUTOMATIC.search(_QUOTED.sub(" ", own)) is not None
    by_words = (by_words or notifies(msg, own)) and not _FORWARDED.match(msg.subject)
    automatic = None
    if not auto.startswith("no"):
        automatic = KindReading("other", True, "automatic mail", automatic=True)
    elif (by_subject or by_words) and not passes_on(own):
        why = "automatic mail" if by_subject else "automatic mail, by its words"
        automatic = KindReading("other", True, why, automatic=True)
    if automatic is None:
        reading = _read_words(msg, text, notices, ticket_prefix, written)
        if (by_subject or by_words) and reading.chargeable:
            # It looked automatic but a person says they pass it on: asked, never charged.
            why = f"{reading.reason} (a person passing on an automatic message)"
            return dataclasses.replace(reading, sure=False, reason=why)
        return reading
    if not relays(msg, own):
        return automatic
    # A client's ticket system relaying a person's fault: a report, asked about, never answered.
    reading = _read_words(msg, text, notices, ticket_prefix, written)
    if reading.kind != "problem_report":
        # An update on a ticket of ours ("Ticket #4471 has been updated: still dropping
        # calls"): automatic, but a person's words that staff should see on that ticket.
        return dataclasses.replace(
            automatic, relayed=True, reason=f"{automatic.reason}, relaying a person's words"
        )
    return dataclasses.replace(
        reading,
        sure=False,
        relayed=True,
        reason=f"a helpdesk notification relays a fault ({reading.reason}): ask, never answer",
    )


def _read_words(
    msg: ParsedMessage,
    text: MailText,
    notices: Mapping[str, str] | None,
    ticket_prefix: str,
    written: date | None,
) -> KindReading:
    """_read on a mail a person wrote, or the report a machine relays."""
    # "For your records ... everything fine since, nothing to do": no report to us.
    recorded = for_the_record(reported(text))
    found = first_fault(text)
    # ... unless a fault beside the note is told in the present ("the network is fine,
    # nothing to do with us. Still, calls drop every few minutes"): asked about, not charged.
    if recorded and not told_now([s for _, s in faults(text)]):
        found = None
    # A fault named only in a past account, a condition, a how-question, thanks or another
    # system's trouble is no fault reported: the mail is read for what else it is.
    if found is not None and not live([s for _, s in faults(text)], reported(text)):
        found = None
    fault = found[0] if found else None
    notice = _notice(msg, text, notices or {})
    if notice is not None:
        return _notice_or_report(text, notice, found, ticket_prefix)
    if found is not None:
        # A credit for a past fault, unless a fault is told as another matter beside it.
        other = second_matter(reported(text), today=False)
        if words.CREDIT.search(text.all) and not words.ONGOING.search(text.all) and not other:
            reading = _credit(text, ticket_prefix, f"a credit for a past fault ({fault!r})")
            return _with_period(reading, text, written or _written(msg))
        # The charge needs a sure first report: evidence against it makes us ask instead.
        sentences, event = [sentence for _, sentence in faults(text)], bool(msg.event_days)
        against = doubt(
            sentences, reported(text), prefix=ticket_prefix, event=event, subject=text.subject
        )
        if against is None and recorded:
            against = "the mail also says all is well, nothing to do"
        if against is None and sent_back(sentences, text.all) is not None:
            against = "it is the fault of the unit an RMA sends back"
        if against is not None:
            return KindReading(
                "problem_report", False, f"names a fault ({fault!r}) but {against}: ask"
            )
        return KindReading("problem_report", True, f"reports a fault: {fault!r}")
    reading = _without_fault(text, ticket_prefix, msg, recorded)
    day = written or _written(msg)
    if reading.kind == "credit_request":
        return _with_period(reading, text, day)
    if reading.kind != "scheduling_request":
        return reading
    asked = msg.event_days[0] if msg.event_days else None
    requested = date.fromisoformat(asked) if asked else None
    if requested is None and day is not None:
        requested = day_asked(f"{text.subject}\n{text.own}\n{text.forwarded}", day)
    return dataclasses.replace(reading, requested_date=requested)


def _notice_or_report(
    text: MailText, notice: str, found: tuple[str, str] | None, prefix: str
) -> KindReading:
    """An answer to our notice, unless its new text reports a fault (a reminder's answer may
    describe the fault we asked about: only a new matter makes it a report). Being an answer
    is evidence against a sure report: only a fault going on now is charged."""
    other = second_matter(text.own, today=False) if notice == "reminder" else None
    new = words.NEW_MATTER.search(text.own) is not None or other is not None
    if found is not None and (notice != "reminder" or new):
        fault = found[0]
        sentences = [sentence for _, sentence in faults(text)]
        against = doubt(sentences, reported(text), prefix=prefix, notice=True, subject=text.subject)
        return KindReading(
            "problem_report",
            against is None,
            f"reports a fault in reply to our {notice}: {fault!r}"
            + ("" if against is None else f", but {against}: ask"),
        )
    # "Since your maintenance the phones beep every 30 seconds, is that normal?": perhaps a
    # fault; a ticket that asks serves the client better than a note on our notice.
    symptom = other if notice == "reminder" else _symptom_in_answer(text.own)
    if symptom is not None:
        return KindReading(
            "problem_report", False, f"may describe a fault in reply to our {notice}: {symptom!r}"
        )
    return KindReading("notice_reply", True, f"answers our {notice} notice", notice=notice)


def _symptom_in_answer(own: str) -> str | None:
    """A possible fault in an answer to our outage or upgrade notice: not the notice's own
    matter ("will the fax be down too?", "the outage is fine for us"), nor a plan."""
    for sentence in SENTENCE.split(own):
        if planned(sentence) or AGAIN_FINE.search(sentence) or words.RESOLVED.search(sentence):
            continue
        if words.NOT_A_REPORT.search(sentence):
            continue
        match = words.SYMPTOM.search(_NOTICE_MATTER.sub(" ", sentence))
        if match is not None:
            return match.group(0).strip()
    return malfunction(own)


def _with_period(reading: KindReading, text: MailText, written: date | None) -> KindReading:
    """A credit request's period: the first to the last past day its own words name."""
    days = past_days(f"{text.own}\n{text.forwarded}", written) if written else []
    return dataclasses.replace(reading, period=(days[0], days[-1]) if days else None)


def _credit(text: MailText, prefix: str, reason: str) -> KindReading:
    tickets = _tickets(text.all, prefix)
    return KindReading("credit_request", True, reason, tickets=tickets)


def _without_fault(
    text: MailText, prefix: str, msg: ParsedMessage, recorded: bool = False
) -> KindReading:
    """The kinds that report no fault, in the order the labelling rules give; ``recorded``
    when the mail tells something for the record and asks nothing (no report then)."""
    credit = words.CREDIT.search(text.all) is not None
    # A fault told as another matter beside the request ("Also, the fax ...") is reported.
    other = None if recorded else second_matter(reported(text), today=not credit)
    if other is not None:
        return KindReading(
            "problem_report", False, f"a fault told beside a request ({other[:60]!r}): ask"
        )
    if credit:
        return _credit(text, prefix, "asks for a service credit")
    shipment = words.RMA.search(text.all) and words.SHIPMENT.search(text.all)
    if words.CONTACT_CHANGE.search(text.all):
        return KindReading("contact_change", True, "changes the authorised contacts")
    mentioned = _mentioned_notice(text)
    if mentioned is not None:
        # A mail naming our notice is read as an answer to it: a fault it describes (not a
        # plan, not the notice's matter) is a report we are not sure of.
        broken = None if recorded else malfunction(reported(text))
        if broken is not None:
            return KindReading(
                "problem_report", False, f"names our {mentioned} notice, and ({broken!r}): ask"
            )
        return KindReading(
            "notice_reply", True, f"refers to our {mentioned} notice", notice=mentioned
        )
    if shipment and (dead := received_dead(reported(text))) is not None:
        # "The replacement came today. Plugged it in, no lights at all": a fault of the unit.
        return KindReading("problem_report", False, f"the unit received is faulty ({dead!r}): ask")
    if shipment and (beside := fault_beside(reported(text))) is not None:
        return KindReading("problem_report", False, f"a fault by the RMA ({beside[:60]!r}): ask")
    if shipment:
        return KindReading(
            "rma_shipment",
            True,
            "about an RMA shipment",
            tracking=tuple(tracking_numbers(f"{text.own}\n{text.forwarded}")),
            rma=rma_number(text.all),
        )
    network = network_change(text.all) and not changed_and_broke(reported(text))
    # An invitation (a text/calendar part) asks for its day, whatever its words.
    meeting = words.MEETING.search(words.MEETING_PLACE.sub(" ", text.all))
    if meeting or network or msg.event_days:
        what = "a network change" if network else "a meeting, call or training"
        return KindReading(
            "scheduling_request", True, f"asks to schedule {what}", network_change=network
        )
    if recorded:
        broken = malfunction(reported(text))
        if broken is not None and told_now([broken]):
            return KindReading("problem_report", False, f"beside a note, ({broken!r}) goes on: ask")
        return KindReading("other", True, "told for the record, nothing asked")
    # A part that does not do what it should, in words FAULT does not know: a report we are not
    # sure of, weaker than a request made in so many words (a contact change, our notice, a
    # shipment, a meeting, a network change: read first); a sure fault still wins over them.
    broken = None if recorded else malfunction(reported(text))
    if broken is not None and not follows_up(text.all, prefix):
        return KindReading(
            "problem_report", False, f"says something does not work ({broken!r}): staff decide"
        )
    symptom = _unresolved(words.SYMPTOM, text.all, words.NOT_A_REPORT)
    if symptom is not None:
        return KindReading(
            "problem_report", False, f"may describe a fault ({symptom!r}): staff decide"
        )
    found = words.FAULT.search(words.NOT_A_FAULT.sub(" ", text.signature))
    below = found.group(0) if found is not None else malfunction(text.signature)
    if below is not None and len(text.own.split()) < _SHORT:
        # "Regards, Jana\n\nDas Telefon klingelt nicht": the parser took it for the sign-off.
        return KindReading("problem_report", False, f"a fault below the sign-off ({below!r}): ask")
    # "Please advise on pricing" pleads for nothing broken: a plea beside a quote, a bill or
    # a how-to question is none.
    plea = _unresolved(words.PLEA, words.THANKS_FOR_HELP.sub(" ", text.all), words.NOT_A_REPORT)
    if plea is not None:
        return KindReading(
            "problem_report", False, f"may report a problem ({plea!r}): staff decide"
        )
    polite = without_courtesy(text.all, text.subject)
    if states_about_the_phones(text.all, prefix) and not words.NOT_A_REPORT.search(polite):
        return KindReading(
            "problem_report", False, "about the phones, no fault recognised: staff decide"
        )
    if not text.own.strip() and msg.attachments:
        # A screenshot or a log and no words ("see attached"): most likely a fault; ask.
        return KindReading("problem_report", False, "only an attachment: staff decide")
    return KindReading("other", True, "no fault, request or notice recognised")
