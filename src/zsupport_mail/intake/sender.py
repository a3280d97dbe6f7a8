"""Recognise the sender: contact by normalised address, client by contact or by domain.

A contact address counts as that person only when nothing casts doubt on it: with
``security.require_authentication`` a trusted MTA must vouch for the From domain (DKIM or SPF,
see authentication.py), otherwise the mail is handled like one from an unknown person at that
domain. A staff address is only a claim here; authority.py decides whether it is proven.
Whenever trusted authserv-ids are configured, a sender they do not vouch for is ``unproven``:
it may open a ticket, but its charges wait for staff (handlers/charges.py). Look-alike
addresses never match anyone (addresses.py); the doubt says what they imitate.
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
    verified = unproven = None
    known = contact is not None or domain in directory.domains
    if vouched is not None and (known or staff):
        verified = vouched
    # Only a client's people (charges) and staff (authority) need the verdict: about 0.4 ms
    # of header parsing that mail from strangers, quarantined anyway, does not need.
    elif security is not None and security.trusted_authserv_ids and (known or staff):
        verdict = verify_sender(
            msg.header("authentication-results"),
            domain,
            security.trusted_authserv_ids,
            directory.organisation_domains,
        )
        verified, unproven = (verdict.reason, None) if verdict.passed else (None, verdict.reason)
        if unproven and security.require_authentication and contact:
            contact, doubt = None, unproven
    return Sender(
        address=address,
        name=msg.from_name,
        contact=contact,
        client=contact.client if contact else directory.domains.get(domain),
        staff=staff,
        own=directory.is_own(address),
        doubt=doubt,
        verified=verified,
        unproven=unproven,
    )
