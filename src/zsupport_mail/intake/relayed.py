"""Automatic mail that relays a person's fault: a client's own helpdesk or ticket system.

Zammad, Request Tracker, ServiceNow and their kind send "New ticket", "[Ticket #123]" or
"INC0045512 assigned to Telephony" notifications with ``Auto-Submitted: auto-generated`` and
"do not reply": a machine wrote the mail, but what it carries is an end user's fault, which
the desk must see (a ticket we are not sure of, staff copied). RFC 3834 still holds: such mail
never gets an automatic answer (decide.py, handlers/replies.py).

Not relayed: a machine speaking for itself (an out-of-office, a challenge-response, the
helpdesk's acknowledgement of *our* mail: "Your request has been received and logged as
INC0012461"). Pure: no state.
"""

from __future__ import annotations

import re

from zsupport_mail.mail.message import ParsedMessage

# The auto-reply's own forms: its subject, a person's absence, a robot asking to be answered.
_AUTO_REPLY = re.compile(
    r"^\s*(?:auto(?:matic)?[ -]?(?:reply|response|antwort)|out\s+of\s+(?:the\s+)?office"
    r"|abwesenheit|r[ée]ponse\s+automatique|respuesta\s+autom[áa]tica|auto\s*:|vacation)"
    r"|\bis\s+out\s+of\s+the\s+office\b|\b(?:away|absent|on\s+leave|on\s+vacation)\s+"
    r"(?:from|until|till)\b|\bnicht\s+im\s+b[üu]ro\b|\babwesend\b|\bausente\b|\babsente?\b"
    r"|\bconfirm\s+(?:that\s+)?you\s+are\s+(?:a\s+)?human\b|\bchallenge[- ]response\b"
    r"|\bverify\s+(?:that\s+)?you\b",
    re.IGNORECASE | re.MULTILINE,
)
# The helpdesk acknowledging a mail sent to it (ours): about "your request", not a person's.
_ACKNOWLEDGES = re.compile(
    r"\b(?:your|this)\s+(?:request|e-?mail|message|ticket|inquiry|enquiry|case)\b[^.\n]{0,60}"
    r"\b(?:has\s+been|was|is\s+being)\s+(?:received|logged|recorded|registered|created|opened"
    r"|assigned|forwarded)"
    r"|\brequest\s+received\b|\bthank\s+you\s+for\s+(?:contacting|your\s+(?:e-?mail|message|"
    r"request))|\bwe\s+have\s+received\s+your\b|\backnowledge?ment\b"
    r"|\b(?:ihre\s+(?:anfrage|nachricht)|su\s+(?:solicitud|mensaje)|votre\s+(?:demande|message))\b",
    re.IGNORECASE,
)
# The layout of a ticket system's notification: its subject, or the form it fills in.
_NOTIFICATION_SUBJECT = re.compile(
    r"\[(?:[^\]\n]{0,30}\s)?(?:ticket|case|incident|request)\s*#?\s*[\w-]*\d+\]"
    r"|\[[A-Z][\w-]{0,15}\s*#\s*\d+\]"  # Request Tracker's "[RT #88412]"
    r"|\b(?:new|neues?)\s+(?:ticket|incident|case|request|st[öo]rungsmeldung)\b"
    r"|\b(?:INC|REQ|RITM|CS|SR|TKT)\d{4,}\b|\bticket\s*#\s*\d+"
    r"|\b(?:assigned|escalated|created|opened|raised|updated)\b",
    re.IGNORECASE,
)
_FORM_FIELD = re.compile(
    r"^[ \t]*(?:short\s+)?(?:description|summary|details|problem|issue|symptom|caller|"
    r"requester|requestors?|requested\s+by|reported\s+by|reporter|user|end\s+user|location|site|"
    r"queue|status|transaction|opened\s+by|created\s+by|"
    r"category|priority|impact|beschreibung|meldung|gemeldet\s+von|descripci[óo]n|"
    r"description\s+du\s+probl[èe]me)[ \t]*:[ \t]*\S",
    re.IGNORECASE | re.MULTILINE,
)
_RELAYS = re.compile(
    r"\b(?:has\s+been|was)\s+(?:created|opened|raised|submitted|logged|assigned|escalated)"
    r"\b[^.\n]{0,40}\b(?:by|for|to)\b|\b(?:new|a)\s+(?:ticket|incident|case)\b"
    r"|\b(?:reported|submitted|raised|opened)\s+(?:by|a\s+(?:new\s+)?(?:ticket|incident))\b"
    r"|\bticket\s+(?:created|opened|escalated)\s+(?:by|to)\b",
    re.IGNORECASE,
)


_NOTIFIES = re.compile(
    r"\bthis\s+is\s+an\s+automated\s+(?:notification|e-?mail|mail)\b|\bautomatically\s+generated\b"
    r"|\bthis\s+notification\s+was\s+(?:sent|generated)\b",
    re.IGNORECASE,
)


def notifies(msg: ParsedMessage, own: str) -> bool:
    """Whether a mail without automatic headers is a ticket system's notification all the same:
    it says so ("This is an automated notification") and has a notification's layout."""
    return _NOTIFIES.search(own) is not None and relays(msg, own)


def relays(msg: ParsedMessage, own: str) -> bool:
    """Whether automatic mail passes on someone's report: a ticket system's notification
    (its subject or its form, "Description: ..."), not an auto-reply or an acknowledgement.

    Args:
        msg: the parsed mail (its subject).
        own: the mail's own text (quoted history removed).
    """
    head = f"{msg.subject}\n{own}"
    if _AUTO_REPLY.search(head) or _ACKNOWLEDGES.search(head):
        return False
    fields = len(_FORM_FIELD.findall(own))
    return (
        fields >= 2
        or (fields >= 1 and bool(_NOTIFICATION_SUBJECT.search(msg.subject) or _RELAYS.search(own)))
        or bool(_NOTIFICATION_SUBJECT.search(msg.subject) and _RELAYS.search(own))
    )


# A person saying they pass a machine's words on ("this is an automated alarm from our PBX,
# forwarded by me", "below is an alert our MX sent"), or writing before an absence.
_PASSES_ON = re.compile(
    r"\b(?:forwarded|passed\s+on|sent\s+on)\s+by\s+me\b|\bI(?:'m|\s+am|\s+have|'ve)?\s+"
    r"(?:just\s+)?(?:forward(?:ing|ed)?|pass(?:ing|ed)?\s+(?:this|it)\s+on)\b"
    r"|\b(?:see|read)\s+(?:below|the\s+(?:alarm|alert|message)\s+below)\b|\bbelow\s+is\b"
    r"|\b(?:got|received)\s+this\s+(?:alert|alarm|message|mail|e-?mail)\b|\bthis\s+came\s+in\b"
    r"|\bour\s+(?:mx|pbx|phone\s+system|system)\s+(?:sent|sends|e-?mailed)\b"
    # A person writing before an absence: "I'm out of the office from tomorrow, but before I go".
    r"|\bbefore\s+I\s+(?:go|leave)\b",
    re.IGNORECASE,
)


def passes_on(own: str) -> bool:
    """Whether the sender says in their own words that they pass an automatic message on."""
    return _PASSES_ON.search(own) is not None


# The client's own ticket number in its notification's subject: "[Ticket #4471]", "INC0045512".
_FOREIGN_TICKET = re.compile(
    r"\b(?:INC|REQ|RITM|CS|SR|TKT)\d{4,}\b"
    r"|(?:ticket|case|incident|request)\s*#\s*\d{2,}\b|(?<![\w#])#\d{3,}\b",
    re.IGNORECASE,
)


def foreign_ticket(subject: str, prefix: str) -> str | None:
    """The client's own ticket number a notification's subject names ("Ticket #4471",
    "INC0045512"), never one of ours (``prefix``-NNNNNN): later notifications about it join
    the ticket the first one opened."""
    ours = re.compile(rf"\b{re.escape(prefix)}-\d+\b", re.IGNORECASE)
    match = _FOREIGN_TICKET.search(ours.sub(" ", subject))
    return " ".join(match.group(0).split()) if match else None
