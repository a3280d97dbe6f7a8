"""Signed Message-IDs: the ticket and the audience are proven by the HMAC, not by their text."""

from __future__ import annotations

from zsupport_mail.mail.tokens import (
    STAFF,
    is_staff_message_id,
    make_message_id,
    signed_for,
    ticket_of,
)

SECRET = "0123456789abcdef-test"


def test_a_client_id_names_its_ticket_and_is_not_staff():
    mid = make_message_id("ZS-000123", "support.example", SECRET)
    assert ticket_of(mid, SECRET) == "ZS-000123"
    assert signed_for(mid, SECRET) == ("ZS-000123", "client")
    assert not is_staff_message_id(mid, SECRET)


def test_a_staff_id_is_staff_and_still_names_its_ticket():
    mid = make_message_id("ZS-000123", "support.example", SECRET, audience=STAFF)
    assert ".staff." in mid
    assert is_staff_message_id(mid, SECRET)
    assert ticket_of(mid, SECRET) == "ZS-000123"


def test_turning_a_client_id_into_a_staff_id_breaks_the_signature():
    mid = make_message_id("ZS-000123", "support.example", SECRET)
    forged = mid.replace("<zs.ZS-000123.", "<zs.ZS-000123.staff.")
    assert not is_staff_message_id(forged, SECRET)
    assert ticket_of(forged, SECRET) is None


def test_another_secret_or_ticket_does_not_verify():
    mid = make_message_id("ZS-000123", "support.example", SECRET, audience=STAFF)
    assert not is_staff_message_id(mid, "another-secret-0123456789")
    assert ticket_of(mid.replace("ZS-000123", "ZS-000124"), SECRET) is None
    assert not is_staff_message_id(mid, None)


def test_without_a_secret_ids_are_random_and_prove_nothing():
    mid = make_message_id("ZS-000123", "support.example", None, audience=STAFF)
    assert "ZS-000123" not in mid
    assert signed_for(mid, None) is None
