"""SLA alerts as staff mail: one mail per ticket per tick, told apart from client mail.

Every threshold a tick finds passed on a ticket (75%, 90%, breach, of the response or the
restoration target) goes into one mail, so staff are not sent three mails at once after a
quiet night. The subject starts with ``[SLA BREACH]`` or ``[SLA warning]`` before the ticket's
``[ZS-000123]``, so a mail filter or an SMS gateway can route alerts apart from copies of
client mail; times are shown in ``[staff] timezone``. Alerts go to the ticket's assignee and
the queue addresses; breaches, and any alert on a critical ticket, also go to
``[staff] pager_addresses`` as one line (an SMS gateway). The Message-ID is signed for staff,
like a staff copy, and the alert threads under the ticket's last staff mail, so answering the
alert answers the client.
"""

from __future__ import annotations

import structlog

from zsupport_mail.db.models import Ticket
from zsupport_mail.handlers.staff_copy import (
    StaffOutbox,
    latest_staff_mail,
    page,
    queue_staff_mail,
    staff_message_id,
)
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.mail.staffmail import StaffMail, recipients, staff_subject, staff_time

log = structlog.get_logger("zsupport_mail.runtime.alerts")
ALERT_KIND = "sla_warning"  # the outbox kind and template name, as before alerts were grouped
BREACH_PREFIX, WARNING_PREFIX = "[SLA BREACH]", "[SLA warning]"


def queue_alert(
    outbox: StaffOutbox, renderer: ReplyRenderer, ticket: Ticket, keys: list[str]
) -> list[str]:
    """One alert mail for the thresholds ``keys`` ("response:75", ...); returns its recipients.

    With no staff address configured nothing can be mailed: the log line (sla_warning or
    sla_breach, written by the caller) is then the only trace, and check-config warns.
    """
    settings = outbox.settings
    highest: dict[str, str] = {}  # per target, only the furthest threshold passed is told
    for key in keys:  # in the order passed: 75, 90, breach
        target, _, level = key.partition(":")
        highest[target] = level
    alerts = [
        {
            "target": target,
            "level": level,
            "due": staff_time(
                ticket.response_due_at if target == "response" else ticket.restoration_due_at,
                settings,
            ),
        }
        for target, level in highest.items()
    ]
    breach = any(a["level"] == "breach" for a in alerts)
    prefix = BREACH_PREFIX if breach else WARNING_PREFIX
    to = recipients(settings, ticket.assignee)
    if to:
        _mail(outbox, renderer, ticket, alerts, prefix, to)
    paged = []
    if breach or ticket.critical:
        paged = page(outbox, ticket, prefix, _pager_line(ticket, alerts))
    if not to and not paged:
        log.warning("sla_alert_unsent", ticket=ticket.number, reason="no staff address")
    return [*to, *paged]


def _mail(
    outbox: StaffOutbox,
    renderer: ReplyRenderer,
    ticket: Ticket,
    alerts: list[dict[str, str]],
    prefix: str,
    to: list[str],
) -> None:
    """The alert mail for assignee and queue, threaded under the ticket's last staff mail."""
    settings = outbox.settings
    portal = settings.staff.portal_url
    body = renderer.render(
        ALERT_KIND,
        {
            "alerts": alerts,
            "number": ticket.number,
            "subject": ticket.subject,
            "client": ticket.client.name,
            "requester": ticket.requester_email,
            "status": ticket.status,
            "assignee": ticket.assignee,
            "critical": ticket.critical,
            "portal": portal.replace("{number}", ticket.number) if portal else None,
            "targets": [a["target"] for a in alerts],
        },
    )
    mail = StaffMail(
        display=f"SLA alert via {settings.staff.support_name}",
        to=to,
        subject=staff_subject(ticket.number, ticket.subject, prefix),
        body=body,
        message_id=staff_message_id(settings, ticket.number),
        answers=(latest_staff_mail(outbox.session, ticket.id), ()),
    )
    head = body.split("\n\n")[0].strip()
    queue_staff_mail(outbox, ticket, mail, kind=ALERT_KIND, head=head)


def _pager_line(ticket: Ticket, alerts: list[dict[str, str]]) -> str:
    """One line for an SMS: which targets, how far, when due (in the staff's zone)."""
    told = "; ".join(
        f"{a['target']} {'BREACHED, was due' if a['level'] == 'breach' else a['level'] + '%, due'}"
        f" {a['due']}"
        for a in alerts
    )
    return f"{ticket.number} ({ticket.client.name}): {told}"
