"""The portal in a real browser: Debian's chromium, driven by Playwright, against a real serve.

Sign-in by the mailed link, a client's list and ticket with its SLA targets in the client's
zone, a web fill-in completing the ticket, a complete web report (acknowledged, never
charged), another client kept out, and a staff action. With $ZSUPPORT_SCREENSHOTS set to a
folder, each main page is saved there (docs/portal/ holds the ones docs/PORTAL.md shows).
"""

from __future__ import annotations

import os
import shutil
import smtplib
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import select

from tests.helpers import SUPPORT, make_mail
from tests.portal_helpers import link_of, mails, portal_overrides, wait_for_mail
from zsupport_mail.db.models import Charge, Ticket
from zsupport_mail.db.session import make_engine, make_session_factory

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TERSE = "Since this morning every external call drops after 30 seconds.\nBoard S/N: 620LQ\n"


@pytest.fixture
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make install` installs Debian's chromium")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


class Shots:
    """Screenshots of the main pages, kept when $ZSUPPORT_SCREENSHOTS names a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.keep = os.environ.get("ZSUPPORT_SCREENSHOTS")

    def take(self, page, name: str) -> None:
        path = self.folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 1000
        if self.keep:
            shutil.copy(path, Path(self.keep) / path.name)


def sign_in(context, base: str, address: str, outbox: Path, shots: Shots | None = None):
    """A new page signed in as address, the way a person does it."""
    page = context.new_page()
    page.goto(base + "/")
    if shots:
        shots.take(page, "signin")
    before = set(mails(outbox))
    page.fill("#email", address)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Check your mail")
    page.goto(link_of(wait_for_mail(outbox, address, before)))
    page.click("#signin")
    page.wait_for_load_state()
    return page


def ticket_row(db_url: str, number: str) -> tuple[str, list[str]]:
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine).begin() as session:
            ticket = session.scalar(select(Ticket).where(Ticket.number == number))
            charges = session.scalars(select(Charge.kind).where(Charge.ticket_id == ticket.id))
            return ticket.status, list(charges)
    finally:
        engine.dispose()


def test_client_and_staff_work_tickets_in_a_browser(start_serve, chromium, tmp_path, db_url):
    overrides = portal_overrides()
    base = overrides["portal"]["base_url"]
    serve = start_serve(safety={"secret": "portal-browser-secret-012345"}, **overrides)
    outbox, shots = tmp_path / "outbox", Shots(tmp_path)
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        client.sendmail("dana@acmedental.example", [SUPPORT], make_mail(body=TERSE))
    [created] = serve.wait_for("message_processed", where=lambda e: e["action"] == "created")
    number = created["ticket"]

    dana = sign_in(chromium.new_context(), base, "dana@acmedental.example", outbox, shots)
    assert dana.url == base + "/tickets"
    assert dana.is_visible(f"text={number}")
    shots.take(dana, "tickets")
    dana.click(f"text={number}")
    assert dana.inner_text("#state") == "awaiting info"
    assert " MST" in dana.inner_text("table")  # times in Acme Dental's zone (Denver)
    asked = dana.eval_on_selector_all("#reply [name^=item_]", "els => els.map(e => e.name)")
    assert asked == [
        "item_appliance_serial",
        "item_software_version",
        "item_call_examples",
        "item_internal_ticket",
    ]
    shots.take(dana, "ticket-missing")
    dana.fill("#item_appliance_serial", "6326V")
    dana.fill("#item_software_version", "MX 17.0.10 patch 17161")
    dana.fill("#item_call_examples", "2026-12-07 10:42, from ext 2045, to +1 303 555 0199")
    dana.fill("#item_internal_ticket", "INC0012345")
    dana.fill("#message", "Here is what was missing.")
    dana.click("#reply button[type=submit]")
    dana.wait_for_selector("text=Your message was added to the ticket.")
    assert dana.inner_text("#state") == "open"
    assert not dana.is_visible("#item_appliance_serial")
    assert ticket_row(db_url, number)[0] == "open"

    dana.goto(base + "/tickets/new")
    shots.take(dana, "new-ticket")
    assert dana.input_value("#item_contact_email") == "dana@acmedental.example"
    dana.fill("#subject", "Voicemail greeting cut off")
    dana.fill(
        "#description",
        "Callers reaching the main voicemail box hear only the first two seconds of the "
        "greeting before the beep, on every call since the weekend.",
    )
    dana.fill("#item_board_serial", "620LQ")
    dana.fill("#item_appliance_serial", "6326V")
    dana.fill("#item_software_version", "MX 17.0.10 patch 17161")
    dana.fill("#item_reproducible", "yes")
    dana.fill("#item_call_examples", "2026-12-07 09:15, from +1 303 555 0199, to ext 2000")
    dana.fill("#item_internal_ticket", "INC0012399")
    dana.set_input_files(
        "#call_logs",
        files=[
            {
                "name": "calls.csv",
                "mimeType": "text/csv",
                "buffer": b"2026-12-07 09:15,3035550199,2000\n",
            }
        ],
    )
    dana.click("#report button[type=submit]")
    dana.wait_for_selector("text=your report was received")
    web_number = dana.url.split("/tickets/")[1].split("?")[0]
    assert dana.inner_text("#state") == "open"
    assert dana.is_visible("text=calls.csv")
    assert ticket_row(db_url, web_number) == ("open", [])  # complete: no surcharge

    hank = sign_in(chromium.new_context(), base, "hank@globex.example", outbox)
    response = hank.goto(f"{base}/tickets/{number}")
    assert response.status == 404
    assert number not in hank.content()

    staff = sign_in(chromium.new_context(), base, "tech@zsupport.example", outbox)
    assert staff.url == base + "/staff"
    assert staff.is_visible(f"text={number}")
    shots.take(staff, "staff-queue")
    staff.click(f"text={number}")
    staff.select_option("select[name=value]", "pending")
    staff.click("#set-state")
    staff.wait_for_selector("text=Done.")
    assert staff.inner_text("#state") == "pending"
    assert staff.is_visible("text=apply_commands") or staff.is_visible("text=commands")
    shots.take(staff, "staff-ticket")
    assert ticket_row(db_url, number)[0] == "pending"
    serve.wait_for("portal_staff_action", where=lambda e: e["ticket"] == number)
