"""SLA alerts as staff mail: one mail per ticket per tick, told apart from client mail.

Every threshold a tick finds passed on a ticket (75%, 90%, breach, of the response or the
restoration target) goes into one mail, so staff are not sent three mails at once after a
quiet night. The subject starts with ``[SLA BREACH]`` or ``[SLA warning]`` before the ticket's
``[ZS-000123]``, so a mail filter or an SMS gateway can route alerts apart from copies of
client mail; times are shown in ``[staff] timezone``. Alerts go to the ticket's assignee and
the queue addresses; breaches, and any alert on a critical ticket, also go to
``[staff] pager_addresses``. The Message-ID is signed for staff, like a staff copy, and the
alert threads under the ticket's last staff mail, so answering the alert answers the client.
"""

from __future__ import annotations

import structlog

from zsupport_mail.db.models import Ticket
from zsupport_mail.handlers.staff_copy import (
    StaffOutbox,
    latest_staff_mail,
    queue_staff_mail,
    staff_message_id,
)
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.mail.staffmail import StaffMail, recipients, staff_subject, staff_time

log = structlog.get_logger("zsupport_mail.runtime.alerts")
ALERT_KIND = "sla_warning"  # the outbox kind and template name, as before alerts were grouped
BREACH_PREFIX, WARNING_PREFIX = "[SLA BREACH]", "[SLA warning]"


def alert_recipients(outbox: StaffOutbox, ticket: Ticket, breach: bool) -> list[str]:
    """Assignee and queue; the pager too for a breach or a critical ticket."""
    to = recipients(outbox.settings, ticket.assignee)
    if breach or ticket.critical:
        to += [a for a in outbox.settings.staff.pager_addresses if a not in to]
    return to


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
    to = alert_recipients(outbox, ticket, breach)
    if not to:
        log.warning("sla_alert_unsent", ticket=ticket.number, reason="no staff address")
        return []
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
            "targets": list(highest),
        },
    )
    prefix = BREACH_PREFIX if breach else WARNING_PREFIX
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
    return to
