"""The portal's security rules over real HTTP against a real ``serve``, on SQLite and PostgreSQL.

Sign-in links (mailed alone, stored hashed, single use, 15 minutes), the neutral answer for
unknown addresses, CSRF on every form, the session cookie's flags, the sign-in rate limits,
server-side filtering by client (404 for another client's ticket), and the access log events.
"""

from __future__ import annotations

import hashlib
import smtplib
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from tests.helpers import COMPLETE_REPORT, SUPPORT, make_mail, moved_clock_env, set_clock
from tests.portal_helpers import Browserless, link_of, mails, portal_overrides, wait_for_mail
from zsupport_mail.db.models import InboundMessage, PortalSignin
from zsupport_mail.db.session import make_engine, make_session_factory

SECRET = {"secret": "portal-test-secret-0123456789"}
DANA, PAT, HANK, STAFF = (
    "dana@acmedental.example",
    "pat@acmedental.example",
    "hank@globex.example",
    "tech@zsupport.example",
)


@pytest.fixture
def browser():
    """Makes HTTP clients with cookie jars; all are closed after the test."""
    made: list[Browserless] = []

    def make(base: str) -> Browserless:
        made.append(Browserless(base))
        return made[-1]

    yield make
    for web in made:
        web.close()


@pytest.fixture
def portal(start_serve):
    """(serve, base URL) with the portal on."""
    overrides = portal_overrides()
    serve = start_serve(safety=SECRET, **overrides)
    return serve, overrides["portal"]["base_url"]


def rows(db_url, query):
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine).begin() as session:
            return list(session.execute(query).all())
    finally:
        engine.dispose()


def send(serve, sender: str, subject: str, body: str = COMPLETE_REPORT, mid: str = "") -> None:
    raw = make_mail(sender=sender, subject=subject, body=body, message_id=mid or None)
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        client.sendmail(sender, [SUPPORT], raw)


def test_link_is_mailed_alone_stored_hashed_and_works_once(portal, tmp_path, db_url, browser):
    serve, base = portal
    outbox = tmp_path / "outbox"
    web = browser(base)
    before = set(mails(outbox))
    web.request_link(DANA)
    message = wait_for_mail(outbox, DANA, before)
    assert message["Cc"] is None
    assert message["Bcc"] is None
    link = link_of(message)
    assert link.startswith(base + "/signin?token=")
    assert "15 minutes" in message.get_content()
    assert message["Auto-Submitted"] == "auto-generated"
    assert " MST)" in message.get_content()  # the expiry in Acme Dental's zone (Denver)
    token = parse_qs(urlsplit(link).query)["token"][0]
    [(digest, email)] = rows(db_url, select(PortalSignin.token_sha256, PortalSignin.email))
    assert (digest, email) == (hashlib.sha256(token.encode()).hexdigest(), DANA)
    assert web.sign_in_with(link).headers["location"] == "/tickets"
    assert web.get("/tickets").status_code == 200
    other = browser(base)
    again = other.sign_in_with(link)
    assert again.status_code == 400
    assert "no longer valid" in again.text
    assert other.get("/tickets").headers["location"] == "/"
    serve.wait_for("portal_signed_in", where=lambda e: e["email"] == DANA)
    serve.wait_for("portal_signin_refused")
    web.close()
    other.close()
    assert serve.stop() == 0  # the portal stops with serve, cleanly
    serve.wait_for("serve_stopped")


def test_unknown_address_gets_the_same_answer_and_no_mail(portal, tmp_path, browser):
    serve, base = portal
    web = browser(base)
    known = web.request_link(DANA)
    unknown = web.request_link("eve@evil.example")
    not_an_address = web.request_link("not an address")
    assert known.status_code == unknown.status_code == not_an_address.status_code == 200
    assert known.text == unknown.text == not_an_address.text
    serve.wait_for("portal_signin_requested", count=3)
    wait_for_mail(tmp_path / "outbox", DANA, set())
    requested = serve.wait_for("portal_signin_requested", count=3)
    assert [e["mailed"] for e in requested] == [True, False, False]
    recipients = [p.read_bytes() for p in mails(tmp_path / "outbox")]
    assert not any(b"evil.example" in raw for raw in recipients)


def test_expired_link_is_refused(start_serve, tmp_path, browser):
    clock = tmp_path / "clock"
    start = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)
    set_clock(clock, start.isoformat())
    overrides = portal_overrides()
    start_serve(env=moved_clock_env(clock), safety=SECRET, **overrides)
    web = browser(overrides["portal"]["base_url"])
    web.request_link(DANA)
    link = link_of(wait_for_mail(tmp_path / "outbox", DANA, set()))
    set_clock(clock, (start + timedelta(minutes=15, seconds=1)).isoformat())
    assert web.sign_in_with(link).status_code == 400
    assert web.get("/tickets").headers["location"] == "/"


def test_every_form_refuses_a_post_without_the_page_token(portal, tmp_path, db_url, browser):
    serve, base = portal
    send(serve, DANA, "Calls drop")
    serve.wait_for("message_processed", where=lambda e: e["action"] == "created")
    client, staff = browser(base), browser(base)
    client.sign_in(DANA, tmp_path / "outbox")
    staff.sign_in(STAFF, tmp_path / "outbox")
    foreign = browser(base)
    foreign_token = foreign.get("/").text.split('name="csrf" value="')[1].split('"')[0]
    inbox_before = len(rows(db_url, select(InboundMessage.id)))
    posts = [
        (client, "/tickets/new", {"subject": "x", "description": "y"}),
        (client, "/tickets/ZS-000001/reply", {"message": "hello"}),
        (client, "/logout", {}),
        (client, "/login", {"email": DANA}),
        (client, "/signin", {"token": "x"}),
        (staff, "/staff/tickets/ZS-000001/action", {"action": "critical"}),
        (staff, "/staff/quarantine/1/reprocess", {}),
    ]
    for web, path, data in posts:
        assert web.http.post(path, data=data).status_code == 403, path
        assert web.http.post(path, data={"csrf": foreign_token, **data}).status_code == 403, path
    assert len(rows(db_url, select(InboundMessage.id))) == inbox_before  # nothing was written
    assert client.get("/tickets").status_code == 200  # still signed in: logout was refused too
    serve.wait_for("portal_csrf_refused", count=len(posts) * 2)


def test_session_cookie_is_httponly_and_lax(portal, browser):
    _, base = portal
    cookie = browser(base).get("/").headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie


def test_session_cookie_is_secure_behind_https(start_serve, browser):
    overrides = portal_overrides(base_url="https://portal.zsupport.example")
    start_serve(safety=SECRET, **overrides)
    port = overrides["portal"]["port"]
    response = browser(f"http://127.0.0.1:{port}").get("/")
    cookie = response.headers["set-cookie"].lower()
    assert "secure" in cookie
    assert "httponly" in cookie
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"


def test_signin_requests_are_limited_per_address_and_per_ip(start_serve, tmp_path, browser):
    overrides = portal_overrides(max_signins_per_address_per_hour=2, max_signins_per_ip_per_hour=4)
    serve = start_serve(safety=SECRET, **overrides)
    web = browser(overrides["portal"]["base_url"])
    codes = [web.request_link(DANA).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert web.request_link(HANK).status_code == 200  # another address, the 4th from this IP
    assert web.request_link("lee@acmedental.example").status_code == 429  # the IP's limit
    limited = serve.wait_for("portal_signin_limited", count=2)
    assert [e["limit"] for e in limited] == ["address", "ip"]
    assert len(list(mails(tmp_path / "outbox"))) <= 3


@pytest.mark.every_backend
def test_each_person_sees_only_what_they_may(portal, tmp_path, db_url, browser):
    serve, base = portal
    outbox = tmp_path / "outbox"
    send(serve, DANA, "Acme: calls drop", mid="<a1@acmedental.example>")
    send(serve, PAT, "Acme: reception phone dead", mid="<a2@acmedental.example>")
    send(serve, HANK, "Globex: voicemail down", mid="<g1@globex.example>")
    processed = serve.wait_for("message_processed", count=3)
    number = {e["message_id"]: e["ticket"] for e in processed}
    acme, pats, globex = (
        number["<a1@acmedental.example>"],
        number["<a2@acmedental.example>"],
        number["<g1@globex.example>"],
    )
    dana, pat, hank = browser(base), browser(base), browser(base)
    for web, address in ((dana, DANA), (pat, PAT), (hank, HANK)):
        web.sign_in(address, outbox)
    dana_list = dana.get("/tickets").text
    assert acme in dana_list
    assert pats in dana_list
    assert globex not in dana_list
    assert "billable" not in dana_list
    pat_list = pat.get("/tickets").text
    assert pats in pat_list
    assert acme not in pat_list
    assert "billable hourly" in pat_list
    assert pat.get(f"/tickets/{acme}").status_code == 404
    for path in (f"/tickets/{acme}", f"/tickets/{acme.lower()}", f"/tickets/{acme}/attachments/1"):
        assert hank.get(path).status_code == 404, path
    assert globex in hank.get("/tickets").text
    inbox_before = len(rows(db_url, select(InboundMessage.id)))
    page = hank.get("/tickets/new").text
    token = page.split('name="csrf" value="')[1].split('"')[0]
    refused = hank.http.post(f"/tickets/{acme}/reply", data={"csrf": token, "message": "hi"})
    assert refused.status_code == 404
    assert len(rows(db_url, select(InboundMessage.id))) == inbox_before
    for path in ("/staff", f"/staff/tickets/{acme}", "/staff/quarantine", "/staff/ledger"):
        assert dana.get(path).status_code == 404, path
    assert browser(base).get(f"/tickets/{globex}").headers["location"] == "/"
    serve.wait_for("portal_not_found", where=lambda e: e["email"] == HANK)


def test_a_web_report_counts_as_authenticated_where_mail_must_be(
    start_serve, tmp_path, db_url, browser
):
    """With require_authentication, a mail without DKIM/SPF is not Dana's; a web report is,
    because she proved the address by the mailed link."""
    overrides = portal_overrides()
    security = {"require_authentication": True, "trusted_authserv_ids": ["mx.zsupport.example"]}
    serve = start_serve(safety=SECRET, security=security, **overrides)
    web = browser(overrides["portal"]["base_url"])
    web.sign_in(DANA, tmp_path / "outbox")
    response = web.post_form(
        "/tickets/new",
        "/tickets/new",
        {"subject": "Calls drop", "description": COMPLETE_REPORT},
    )
    assert response.status_code == 303
    assert "notice=created" in response.headers["location"]
    [event] = serve.wait_for("message_processed", where=lambda e: e["action"] == "created")
    assert event["reason"] == "report from an authorised contact"
    send(serve, DANA, "Unauthenticated mail", mid="<unauth@acmedental.example>")
    serve.wait_for(
        "message_processed",
        where=lambda e: (
            e["message_id"] == "<unauth@acmedental.example>" and e["action"] != "created"
        ),
    )


def test_staff_see_the_quarantine_reprocess_and_the_ledger(portal, tmp_path, browser):
    serve, base = portal
    send(serve, "stranger@nowhere.example", "Hello?", mid="<q1@nowhere.example>")
    send(serve, DANA, "Calls drop", body="Calls drop.\n", mid="<terse@acmedental.example>")
    processed = serve.wait_for("message_processed", count=2)
    [quarantined] = [e for e in processed if e["message_id"] == "<q1@nowhere.example>"]
    assert quarantined["action"] == "quarantined"
    staff = browser(base)
    staff.sign_in(STAFF, tmp_path / "outbox")
    page = staff.get("/staff/quarantine").text
    assert "stranger@nowhere.example" in page
    inbound_id = quarantined["inbound_id"]
    requeued = staff.post_form("/staff/quarantine", f"/staff/quarantine/{inbound_id}/reprocess", {})
    assert requeued.headers["location"] == "/staff/quarantine?notice=requeued"
    serve.wait_for("portal_reprocess", where=lambda e: e["inbound_id"] == inbound_id)
    serve.wait_for("message_processed", where=lambda e: e["inbound_id"] == inbound_id, count=2)
    ledger = staff.get("/staff/ledger").text
    assert "incomplete_report" in ledger
    assert "ZS-000001" in ledger


def test_uploads_over_the_mail_size_limit_are_refused(start_serve, tmp_path, db_url, browser):
    overrides = portal_overrides()
    serve = start_serve(safety=SECRET, smtp={"max_message_bytes": 50_000}, **overrides)
    web = browser(overrides["portal"]["base_url"])
    web.sign_in(DANA, tmp_path / "outbox")
    token = web.get("/tickets/new").text.split('name="csrf" value="')[1].split('"')[0]
    inbox_before = len(rows(db_url, select(InboundMessage.id)))
    response = web.http.post(
        "/tickets/new",
        data={"csrf": token, "subject": "Logs", "description": "See the logs."},
        files={"call_logs": ("calls.csv", b"x" * 60_000, "text/csv")},
    )
    assert response.status_code == 413
    assert len(rows(db_url, select(InboundMessage.id))) == inbox_before
    assert serve.process.poll() is None
