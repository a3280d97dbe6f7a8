"""apply_commands and relay_reply: staff work a ticket by replying to it by e-mail.

A staff reply on a ticket is stored, its leading ``#commands`` applied and removed, and the rest
relayed to the client from the support address (the staff member's own address never reaches
the client), threaded so the client's mail program shows one conversation. ``#note`` keeps the
whole mail internal. A mail with an unknown command is not relayed at all: the staff member
gets the list of valid commands and the client sees nothing. The first relayed staff reply is
the ticket's first response (the SLA clock's "status advice").
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select

from zsupport_mail.contacts.confirm import apply_notice_as_read
from zsupport_mail.contacts.importer import ImportInvalid
from zsupport_mail.db.models import Charge, Ticket, TicketMessage
from zsupport_mail.handlers.charges import UNCONFIRMED, add_charge
from zsupport_mail.handlers.clocks import close_pending
from zsupport_mail.handlers.commands import Command, parse_commands, portion
from zsupport_mail.handlers.labour import record_time
from zsupport_mail.handlers.outgoing import Outgoing, send_on_ticket
from zsupport_mail.handlers.types import HandlerContext, HandlingState
from zsupport_mail.mail.carry import attachments_in
from zsupport_mail.mail.message import ParsedMessage
from zsupport_mail.mail.tokens import STAFF
from zsupport_mail.scoring.text import split_reply


def _is_staff_reply(ctx: HandlerContext, state: HandlingState) -> bool:
    return (
        ctx.disposition.action == "appended"
        and state.ticket is not None
        and ctx.assessment.context.sender.staff
    )


def _set_status(ctx: HandlerContext, ticket: Ticket, status: str) -> None:
    if status != "pending":
        close_pending(ticket, ctx.now)
    elif ticket.pending_since is None:
        ticket.pending_since = ctx.now
    ticket.status = status
    ticket.closed_at = ctx.now if status == "closed" else None
    if status == "restored":
        ticket.restored_at = ctx.now


def _apply(ctx: HandlerContext, ticket: Ticket, command: Command, staff: str) -> None:
    """One command's effect on the ticket and the ledger."""
    name, argument = command.name, command.argument
    if name == "status":
        _set_status(ctx, ticket, argument.lower())
    elif name == "critical":
        ticket.critical = True
    elif name == "assign":
        ticket.assignee = argument
    elif name == "waive":
        _waive_surcharge(ctx, ticket, f"waived by {staff}")
    elif name == "confirm":
        for charge in ctx.session.scalars(
            select(Charge).where(Charge.ticket_id == ticket.id, Charge.state == UNCONFIRMED)
        ):
            charge.state, charge.reason = "pending", f"{charge.reason} | confirmed by {staff}"
    elif name == "kind":
        ticket.kind = argument.lower()
        if ticket.kind != "problem_report":  # the contract charges reports only
            _waive_surcharge(ctx, ticket, f"waived: #kind {ticket.kind} by {staff}")
    elif name == "ntf":
        record_time(ctx, ticket, "no_trouble_found", argument, f"{staff} (no trouble found)")
    elif name == "third-party":
        record_time(ctx, ticket, "third_party", argument, f"{staff} (a third party's issue)")
    elif name == "time":
        record_time(ctx, ticket, "labour", argument, staff)
    elif name == "affected":
        ticket.affected_portion = portion(argument)
    elif name == "rma":
        ticket.rma_state = "testing"
    elif name == "credit-requested":
        add_charge(ctx, ticket, "sla_credit_requested", f"written credit request noted by {staff}")


def _confirm_contacts(
    ctx: HandlerContext, ticket: Ticket, commands: tuple[Command, ...], staff: str
) -> list[str]:
    """``#contacts``: apply the ticket's contact-change notice as read; its problems, if any."""
    if not any(c.name == "contacts" for c in commands):
        return []
    try:
        changes = apply_notice_as_read(ctx.session, ticket, by=staff, now=ctx.now)
    except ImportInvalid as exc:
        return exc.problems
    done = sum(len(c.added) + len(c.changed) + len(c.removed) for c in changes)
    ctx.journey.record("contacts", "confirmed", f"{done} change(s) from the notice by {staff}")
    return []


def _waive_surcharge(ctx: HandlerContext, ticket: Ticket, why: str) -> None:
    for charge in ctx.session.scalars(
        select(Charge).where(
            Charge.ticket_id == ticket.id,
            Charge.state.in_(("pending", UNCONFIRMED)),
            Charge.kind == "incomplete_report_surcharge",
        )
    ):
        charge.state, charge.reason = "waived", f"{charge.reason} | {why}"


@dataclass(frozen=True)
class ApplyCommands:
    """A staff reply's leading ``#commands``, applied to the ticket and cut from the text."""

    name: str = "apply_commands"

    def run(self, msg: ParsedMessage, ctx: HandlerContext, state: HandlingState) -> None:
        """Apply a staff reply's commands, or none if any is unknown (and then relay nothing)."""
        if not _is_staff_reply(ctx, state):
            if msg.text.lstrip().startswith("#") and state.ticket is not None:
                sender = ctx.assessment.context.sender
                doubt = sender.staff_claim or sender.doubt
                why = f": {doubt}" if doubt else ""
                ctx.journey.record(
                    "commands", "ignored", f"commands from a sender without staff authority{why}"
                )
            return
        assert state.ticket is not None, "open_ticket ran"
        assert state.stored is not None, "record_message ran"
        own, _ = split_reply(msg.text)
        parsed = parse_commands(own)
        state.reply = None  # staff mail never gets an automatic reply
        if parsed.unknown:
            state.stored.internal = True
            state.staff_error = parsed.unknown
            ctx.journey.record("commands", "rejected", "unknown: " + "; ".join(parsed.unknown))
            return
        problems = _confirm_contacts(ctx, state.ticket, parsed.commands, msg.from_addr)
        if problems:  # nothing applied, nothing relayed: the staff member is told why
            state.stored.internal = True
            state.staff_error = tuple(f"#contacts: {problem}" for problem in problems)
            ctx.journey.record("commands", "rejected", "; ".join(state.staff_error))
            return
        for command in parsed.commands:
            _apply(ctx, state.ticket, command, msg.from_addr)
        names = ", ".join(f"#{c.name} {c.argument}".strip() for c in parsed.commands) or "none"
        ctx.journey.record("commands", "applied", names)
        state.commands_applied = names if parsed.commands else ""
        state.stored.body_text = parsed.text
        note = any(c.name == "note" for c in parsed.commands)
        state.stored.internal = note
        state.relay_text = None if note or not parsed.text else parsed.text
        state.rma_started = any(c.name == "rma" for c in parsed.commands)


def client_addresses(ctx: HandlerContext, ticket: Ticket) -> list[str]:
    """Everyone on the client's side who wrote on the ticket, the requester first."""
    rows = ctx.session.scalars(
        select(TicketMessage.from_addr).where(
            TicketMessage.ticket_id == ticket.id, TicketMessage.direction == "inbound"
        )
    )
    directory_staff = ctx.settings.staff
    seen = dict.fromkeys([ticket.requester_email])
    for address in rows:
        domain = address.rpartition("@")[2]
        if address not in directory_staff.addresses and domain not in directory_staff.domains:
            seen.setdefault(address)
    return list(seen)


def _last_client_message(ctx: HandlerContext, ticket: Ticket) -> TicketMessage | None:
    return ctx.session.scalar(
        select(TicketMessage)
        .where(
            TicketMessage.ticket_id == ticket.id,
            TicketMessage.direction == "inbound",
            TicketMessage.from_addr == ticket.requester_email,
        )
        .order_by(TicketMessage.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class RelayReply:
    """A staff reply passed on to the client from the support address, in the client's thread."""

    name: str = "relay_reply"

    def run(self, msg: ParsedMessage, ctx: HandlerContext, state: HandlingState) -> None:
        """Relay what apply_commands left to send (or the command list to staff on an error)."""
        ticket = state.ticket
        if ticket is None:
            return
        if state.staff_error:
            _queue_command_help(msg, ctx, ticket, state)
            return
        if state.relay_text is None:
            return
        body = state.relay_text
        if state.rma_started:
            body += "\n\n" + ctx.renderer.render("rma", {"number": ticket.number})
        parent = _last_client_message(ctx, ticket)
        answers = (parent.message_id, tuple(parent.references.split())) if parent else (None, ())
        to = client_addresses(ctx, ticket)
        row = send_on_ticket(
            ctx,
            ticket,
            Outgoing(
                to=to,
                subject=ticket.subject,
                body=body,
                answers=answers,
                kind="staff_reply",
                automatic=False,
                thread_index=msg.first_header("thread-index"),
                attachments=tuple(attachments_in(ctx.inbound.raw, msg.attachments)),
            ),
        )
        if ticket.first_response_at is None:
            ticket.first_response_at = ctx.now
        state.reply_queued = True
        state.relayed_to = tuple(to)
        ctx.journey.record(
            "reply", "relayed", f"staff reply to {', '.join(to)} as {row.message_id}"
        )


def _queue_command_help(
    msg: ParsedMessage, ctx: HandlerContext, ticket: Ticket, state: HandlingState
) -> None:
    """Tell the staff member which commands exist; nothing goes to the client."""
    body = ctx.renderer.render(
        "staff_commands",
        {
            "number": ticket.number,
            "unknown": state.staff_error,
            "contacts_failed": any(e.startswith("#contacts:") for e in state.staff_error),
        },
    )
    # Only staff receive it, so it is signed for staff: answering it with the corrected
    # commands is itself proof of staff authority (intake/authority.py).
    help_mail = replace(Outgoing.answering(msg, body, "staff_commands"), audience=STAFF)
    send_on_ticket(ctx, ticket, help_mail, record=False)
    state.reply_queued = True
    ctx.journey.record("reply", "queued", f"list of valid commands to {msg.from_addr}")
