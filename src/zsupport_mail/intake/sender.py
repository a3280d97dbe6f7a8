"""Recognise the sender: contact by normalised address, client by contact or by domain.

A contact or staff address counts as that person only when nothing casts doubt on it: with
``security.require_authentication`` a trusted MTA must vouch for the From domain (DKIM or SPF,
see authentication.py), otherwise the mail is handled like one from an unknown person at that
domain. Look-alike addresses never match anyone (addresses.py); the doubt says what they imitate.
"""

from __future__ import annotations

from zsupport_mail.intake.authentication import verify_sender
from zsupport_mail.intake.directory import Directory
from zsupport_mail.intake.types import Sender
from zsupport_mail.mail.addresses import domain_of, lookalike_problem
from zsupport_mail.mail.message import ParsedMessage
from zsupport_mail.settings import SecuritySettings


def _lookalike_doubt(address: str, directory: Directory) -> str | None:
    problem = lookalike_problem(address)
    if problem is None:
        return None
    resembles = directory.resembling(address)
    hint = f"; it imitates {resembles}" if resembles else ""
    return f"look-alike address matched to no one ({problem}){hint}"


def recognise_sender(
    msg: ParsedMessage,
    directory: Directory,
    security: SecuritySettings | None = None,
    vouched: str | None = None,
) -> Sender:
    """Who sent msg, as far as our directory (and, when required, authentication) knows.

    ``vouched`` says why the From is known to be true without an MTA's word: the portal
    writes it from the address its signed-in person proved by a mailed link.
    """
    address = msg.from_addr
    domain = domain_of(address)
    contact = directory.contact(address)
    staff = directory.is_staff(address)
    doubt = _lookalike_doubt(address, directory)
    verified = None
    if vouched is not None and (contact or staff):
        verified = vouched
    elif security is not None and security.require_authentication and (contact or staff):
        verdict = verify_sender(
            msg.header("authentication-results"),
            domain,
            security.trusted_authserv_ids,
            directory.organisation_domains,
        )
        if verdict.passed:
            verified = verdict.reason
        else:
            contact, staff, doubt = None, False, verdict.reason
    return Sender(
        address=address,
        name=msg.from_name,
        contact=contact,
        client=contact.client if contact else directory.domains.get(domain),
        staff=staff,
        own=directory.is_own(address),
        doubt=doubt,
        verified=verified,
    )
