"""A contact-change notice, as read by intake/contact_notice.py, turned into the client's new
authorised set: the CSV ``contacts import`` would be given, so it is checked and applied with
the same rules and history.

A role is held by one person (the contract names a primary and a backup contact): naming a new
primary ends the old primary's role unless the notice gives them another one. A person the
notice adds without an address, or removes without naming anyone we know, is a problem:
the command refuses and staff write the CSV themselves.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from zsupport_mail.contacts.periods import Period
from zsupport_mail.intake.contact_notice import ProposedContact, read_contact_change
from zsupport_mail.intake.notice_period import NoticePeriod, read_period, sounds_temporary
from zsupport_mail.mail.message import ParsedMessage
from zsupport_mail.scoring.text import own_text


@dataclass
class NoticeRows:
    """The client's authorised set after the notice, and what could not be read."""

    rows: list[dict[str, str]] = field(default_factory=list)  # client, name, email, role, phone
    problems: list[str] = field(default_factory=list)

    def csv_text(self) -> str:
        """The rows as the CSV ``contacts import`` reads (header included)."""
        out = io.StringIO()
        writer = csv.DictWriter(out, ("client", "name", "email", "role", "phone"))
        writer.writeheader()
        writer.writerows(self.rows)
        return out.getvalue()


def read_notice(msg: ParsedMessage, directory: Mapping[str, str]) -> tuple[ProposedContact, ...]:
    """What a client's notice asks, its writer named as the directory knows them.

    Args:
        msg: the notice as received.
        directory: the client's contacts, address -> name (current and former).
    """
    name = directory.get(msg.from_addr.lower()) or msg.from_name
    return read_contact_change(
        msg.subject, msg.text, sender=(name, msg.from_addr), directory=directory
    )


def _own(msg: ParsedMessage) -> str:
    own, _signature, _forwarded = own_text(msg.text, msg.subject)
    return f"{msg.subject}\n{own or msg.text}"


def read_notice_period(msg: ParsedMessage, received: datetime, zone: str) -> NoticePeriod | None:
    """The period a temporary notice names ("until 15 March"), None for a lasting change.

    Dates are read against the day the notice arrived in the client's zone (zone).
    """
    return read_period(_own(msg), received.astimezone(ZoneInfo(zone)).date())


def temporary_without_end(msg: ParsedMessage, period: NoticePeriod | None) -> str | None:
    """The words ("while", "mientras") of a notice that sounds temporary but names no end."""
    return None if period is not None else sounds_temporary(_own(msg))


def _find(current: dict[str, dict[str, str]], proposal: ProposedContact) -> str | None:
    """The address of the current contact a proposal means (by address, else by name)."""
    if proposal.email and proposal.email in current:
        return proposal.email
    wanted = proposal.name.lower()
    named = [e for e, row in current.items() if row["name"].lower() == wanted]
    if not named and " " not in wanted:  # "Frau Klein", "Lee": one name of the person
        named = [e for e, row in current.items() if wanted in row["name"].lower().split()]
    return named[0] if len(named) == 1 else None


def rows_after_notice(
    client: str, periods: Sequence[Period], proposals: Sequence[ProposedContact]
) -> NoticeRows:
    """The client's authorised set with the notice's proposals applied, in order.

    Args:
        client: the client's name (every row's first column).
        periods: the client's authorisation periods that are open now.
        proposals: what the notice asks, person by person.

    Returns:
        NoticeRows; ``problems`` is non-empty when the notice cannot be applied as read.
    """
    result = NoticeRows()
    if not proposals:
        result.problems.append("the notice names no one with a role or a removal")
    current = {
        p.email: {
            "client": client,
            "name": p.name,
            "email": p.email,
            "role": p.role,
            "phone": p.phone or "",
        }
        for p in periods
    }
    dropped: dict[str, dict[str, str]] = {}
    for proposal in proposals:
        address = _find(current, proposal)
        if proposal.removed:
            if address is None and _find(dropped, proposal) is None:
                result.problems.append(f"{proposal.name}: not an authorised contact now")
            elif address is None:
                continue  # already ended: a new holder took their role
            else:
                dropped[address] = current.pop(address)
            continue
        address = address or proposal.email
        if address is None or proposal.role is None:
            result.problems.append(f"{proposal.name}: the notice gives no e-mail address")
            continue
        for other, row in list(current.items()):
            if other != address and row["role"] == proposal.role:
                dropped[other] = current.pop(other)  # one person per role: the new one
        old = current.get(address) or dropped.get(address, {})
        current[address] = {
            "client": client,
            "name": old.get("name") or proposal.name,
            "email": address,
            "role": proposal.role,
            "phone": proposal.phone or old.get("phone", ""),
        }
    result.rows = list(current.values())
    if not result.rows:
        result.problems.append("the notice would leave no authorised contact")
    return result
