"""Staff authority: may this staff-looking mail be relayed to a client and give #commands?

The From address and the subject tag are claims anyone on the internet can write, so neither
gives authority. One of these proofs does, strongest first:

1. a trusted MTA vouches for the sender (Authentication-Results from a configured authserv-id
   with an aligned DKIM or SPF pass, see authentication.py);
2. a trusted MTA says the mail was submitted with SMTP AUTH as this staff member;
3. our SMTP listener received it from one of ``[staff] trusted_relays``;
4. it replies (In-Reply-To/References) to a Message-ID we signed for mail that only staff
   received (tokens.py, audience STAFF) on the very ticket it lands on: a staff ID of another
   ticket, a guessed one or one signed under an old secret proves nothing.

With ``security.require_authentication`` only 1 and 2 count: the MTA must vouch for everyone.
Pure: the thread was found already and the peer address comes from the inbox row.
"""

from __future__ import annotations

from dataclasses import replace

from zsupport_mail.intake.authentication import submitted_by
from zsupport_mail.intake.types import Sender, ThreadMatch
from zsupport_mail.mail.message import ParsedMessage
from zsupport_mail.mail.tokens import STAFF, signed_for
from zsupport_mail.settings import Settings


def _by_mta(msg: ParsedMessage, sender: Sender, settings: Settings) -> tuple[str | None, str]:
    """(proof, why not) from our MTAs' Authentication-Results."""
    if sender.verified is not None:
        return sender.verified, ""
    submitted = submitted_by(
        msg.header("authentication-results"), settings.security.trusted_authserv_ids
    )
    if submitted is not None:
        authserv, user = submitted
        local = sender.address.partition("@")[0]
        if user in (sender.address, local):
            return f"submitted with SMTP AUTH as {user} to {authserv}", ""
        return None, f"SMTP AUTH user {user} at {authserv} is not {sender.address}"
    if not settings.security.trusted_authserv_ids:
        return None, "no trusted MTA's Authentication-Results are configured"
    return None, sender.unproven or "not authenticated by a trusted MTA"


def _by_staff_reference(
    msg: ParsedMessage, thread: ThreadMatch | None, secret: str | None
) -> tuple[str | None, str]:
    """(proof, why not) from a reply to staff-only mail of the thread's ticket."""
    others = []
    for message_id in msg.referenced_ids:
        signed = signed_for(message_id, secret)
        if signed is None or signed[1] != STAFF:
            continue
        if thread is not None and signed[0] == thread.ticket.number:
            return f"replies to staff-only mail {message_id}", ""
        others.append(signed[0])
    if others:
        return None, f"replies to staff-only mail of {', '.join(others)}, not of this ticket"
    if not secret:
        return None, "no [safety] secret, so no staff-only mail can be recognised"
    if thread is None:
        return None, "continues no ticket"
    return None, "replies to no staff-only mail of this ticket"


def prove_staff(
    msg: ParsedMessage,
    sender: Sender,
    thread: ThreadMatch | None,
    settings: Settings,
    peer: str | None,
) -> Sender:
    """The sender with staff authority proven, or demoted to an unverified staff claim.

    Args:
        msg: the parsed mail.
        sender: as recognise_sender found it; ``staff`` is only the address's claim there.
        thread: the ticket the mail continues, if any.
        settings: for trusted authserv-ids, trusted relays and the signing secret.
        peer: the SMTP client's IP address, or None (IMAP, a file).

    Returns:
        A Sender whose ``staff`` is True only with a proof (``authority`` says which).
    """
    if not sender.staff:
        return sender
    proof, mta_note = _by_mta(msg, sender, settings)
    notes = [mta_note]
    if proof is None and not settings.security.require_authentication:
        if settings.staff.relayed(peer):
            proof = f"handed over by trusted relay {peer}"
        else:
            notes.append(f"received from {peer}, not a trusted relay" if peer else "")
        if proof is None:
            proof, note = _by_staff_reference(msg, thread, settings.safety.secret)
            notes.append(note)
    if proof is not None:
        return replace(sender, authority=proof)
    why = "; ".join(note for note in notes if note)
    return replace(sender, staff=False, staff_claim=why or "no proof of staff authority")
