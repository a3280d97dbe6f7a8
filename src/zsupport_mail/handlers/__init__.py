"""The handler pipeline: named steps run in this declared order for every decided message."""

from __future__ import annotations

from zsupport_mail.handlers.authority import HoldUnverifiedStaff, WarnUnverifiedStaff
from zsupport_mail.handlers.bounces import RecordBounce
from zsupport_mail.handlers.charges import RecordCharges
from zsupport_mail.handlers.clocks import UpdateClocks
from zsupport_mail.handlers.credits import RecordCreditRequest
from zsupport_mail.handlers.followups import RecordTracking, RemindNoCc
from zsupport_mail.handlers.intake import ScoreIntake
from zsupport_mail.handlers.messages import RecordMessage
from zsupport_mail.handlers.notices import RecordNoticeReply
from zsupport_mail.handlers.replies import QueueReply
from zsupport_mail.handlers.staff import ApplyCommands, RelayReply
from zsupport_mail.handlers.staff_copy import CopyToStaff
from zsupport_mail.handlers.staff_share import ShareWithStaff
from zsupport_mail.handlers.tickets import OpenTicket
from zsupport_mail.handlers.types import (
    Handler,
    HandlerContext,
    HandlingState,
    StopPipeline,
)
from zsupport_mail.mail.message import ParsedMessage

HANDLERS: tuple[Handler, ...] = (
    WarnUnverifiedStaff(),
    RecordNoticeReply(),
    OpenTicket(),
    RecordMessage(),
    HoldUnverifiedStaff(),
    RecordBounce(),
    ApplyCommands(),
    ScoreIntake(),
    RecordTracking(),
    RemindNoCc(),
    RecordCharges(),
    RecordCreditRequest(),
    UpdateClocks(),
    QueueReply(),
    RelayReply(),
    CopyToStaff(),
    ShareWithStaff(),
)

__all__ = ["HANDLERS", "HandlerContext", "HandlingState", "run_handlers"]


def run_handlers(msg: ParsedMessage, ctx: HandlerContext) -> HandlingState:
    """Run every handler in order until one stops the pipeline; real errors propagate."""
    state = HandlingState(reply=ctx.disposition.reply)
    for handler in HANDLERS:
        try:
            handler.run(msg, ctx, state)
        except StopPipeline:
            break
    return state
