"""The staff queue over real HTTP: ordered by the next SLA target, breaches and critical
tickets marked, filtered by client, state and assignee (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
import signal
import smtplib
import socket
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.daemon import ServeProcess
from tests.helpers import (
    COMPLETE_REPORT,
    SUPPORT,
    config_dict,
    make_mail,
    moved_clock_env,
    set_clock,
    to_toml,
)
from tests.portal_helpers import Browserless, portal_overrides
from tests.servers.ports import free_port
from zsupport_mail.db.models import Ticket
from zsupport_mail.db.session import make_engine, make_session_factory
from zsupport_mail.edges.portal.queries import next_target

STAFF = "tech@zsupport.example"
_ROW = re.compile(r'<a href="/staff/tickets/([A-Z]+-\d+)">')


@pytest.fixture
def browser():
    made: list[Browserless] = []

    def make(base: str) -> Browserless:
        made.append(Browserless(base))
        return made[-1]

    yield make
    for web in made:
        web.close()


def targets(db_url: str) -> dict[str, datetime]:
    """Each ticket's next running target (response until answered, then restoration)."""
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine).begin() as session:
            return {t.number: next_target(t) for t in session.scalars(select(Ticket))}
    finally:
        engine.dispose()


def test_queue_orders_by_target_marks_breaches_and_filters(start_serve, tmp_path, browser, db_url):
    clock = tmp_path / "clock"
    start = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)  # Monday 09:00 in Denver, 10:00 in Chicago
    set_clock(clock, start.isoformat())
    overrides = portal_overrides()
    serve = start_serve(env=moved_clock_env(clock), safety={"secret": "q" * 20}, **overrides)
    for sender, mid in (
        ("hank@globex.example", "<g@globex.example>"),
        ("dana@acmedental.example", "<a@acmedental.example>"),
    ):
        raw = make_mail(
            sender=sender, body=COMPLETE_REPORT.replace("Dana Smith", ""), message_id=mid
        )
        with smtplib.SMTP("127.0.0.1", serve.port) as client:
            client.sendmail(sender, [SUPPORT], raw)
    done = serve.wait_for("message_processed", count=2)
    number = {e["message_id"]: e["ticket"] for e in done}
    globex, acme = number["<g@globex.example>"], number["<a@acmedental.example>"]
    staff = browser(overrides["portal"]["base_url"])
    staff.sign_in(STAFF, tmp_path / "outbox")
    page = f"/staff/tickets/{globex}"
    assigned = staff.post_form(page, f"{page}/action", {"action": "assign", "value": "Kim"})
    assert assigned.status_code == 303
    page = f"/staff/tickets/{acme}"
    assert staff.post_form(page, f"{page}/action", {"action": "critical"}).status_code == 303
    serve.wait_for("portal_staff_action", count=2)

    queue = staff.get("/staff").text
    due = targets(db_url)  # the critical one first among equal targets
    assert _ROW.findall(queue) == sorted((globex, acme), key=lambda n: (due[n], n != acme))
    assert "BREACHED" not in queue
    assert "CRITICAL" in queue
    set_clock(clock, (start + timedelta(days=3)).isoformat())
    queue = staff.get("/staff").text
    assert queue.count("BREACHED") == 2
    assert _ROW.findall(staff.get("/staff?client=Globex").text) == [globex]
    assert _ROW.findall(staff.get("/staff?assignee=Kim").text) == [globex]
    assert _ROW.findall(staff.get("/staff?state=closed").text) == []


def test_a_staff_reply_from_the_portal_reaches_the_client_once(start_serve, tmp_path, browser):
    overrides = portal_overrides()
    base = overrides["portal"]["base_url"]
    serve = start_serve(safety={"secret": "r" * 20}, **overrides)
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        client.sendmail("dana@acmedental.example", [SUPPORT], make_mail())
    [created] = serve.wait_for("message_processed", where=lambda e: e["action"] == "created")
    number = created["ticket"]
    staff, dana = browser(base), browser(base)
    staff.sign_in(STAFF, tmp_path / "outbox")
    dana.sign_in("dana@acmedental.example", tmp_path / "outbox")
    page = f"/staff/tickets/{number}"
    for data in (
        {"action": "status", "value": "pending"},
        {"action": "note", "value": "Trunk 3 looks misconfigured."},
        {"action": "reply", "value": "Please reboot the MX tonight and tell us the result."},
    ):
        assert staff.post_form(page, f"{page}/action", data).headers["location"].endswith("=done")
    seen = dana.get(f"/tickets/{number}").text
    assert seen.count("Please reboot the MX tonight") == 1
    assert "Trunk 3" not in seen
    assert STAFF not in seen
    assert ">pending<" in seen
    staff_view = staff.get(page).text
    assert "Trunk 3 looks misconfigured." in staff_view
    assert "commands only" in staff_view


def test_a_staff_address_removed_by_reload_loses_the_portal(start_serve, tmp_path, db_url, browser):
    overrides = {**portal_overrides(), "safety": {"secret": "s" * 20}}
    serve = start_serve(**overrides)
    staff = browser(overrides["portal"]["base_url"])
    staff.sign_in("boss@staffmail.example", tmp_path / "outbox")
    assert staff.get("/staff").status_code == 200
    data = config_dict(db_url, tmp_path, smtp={"port": serve.port}, **overrides)
    data["staff"]["addresses"] = []
    serve.config.write_text(to_toml(data), encoding="utf-8")
    serve.process.send_signal(signal.SIGHUP)
    serve.wait_for("config_reloaded")
    assert staff.get("/staff").headers["location"] == "/"
    serve.wait_for("portal_access_revoked")


def test_a_portal_port_in_use_stops_serve_with_a_clear_error(tmp_path, db_url):
    overrides = portal_overrides()
    port = overrides["portal"]["port"]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen(1)
        config = tmp_path / "serve.toml"
        config.write_text(
            to_toml(config_dict(db_url, tmp_path, smtp={"port": free_port()}, **overrides))
        )
        serve = ServeProcess(config)
        with pytest.raises(AssertionError, match="serve exited before"):
            serve.start(timeout=60)
        assert serve.stop() == 1
    [failed] = [e for e in serve.events if e.get("event") == "serve_failed"]
    assert f"portal cannot listen on 127.0.0.1:{port}" in failed["error"]
