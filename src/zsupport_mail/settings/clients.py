"""The ``[[clients]]`` tables: clients, their contacts, business hours and holidays."""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from zsupport_mail.mail.addresses import (
    AddressError,
    normalize_domain,
)
from zsupport_mail.settings.reader import REQUIRED, Reader, read_address
from zsupport_mail.settings.schema import CONTACT_ROLES, HOLIDAY_CODE, ClientConfig, ContactConfig


def _read_contact(reader: Reader) -> ContactConfig | None:
    name = reader.string("name", REQUIRED)
    email = read_address(reader, "email", reader.string("email", REQUIRED))
    phone = reader.string("phone")
    role = reader.string("role", "other", choices=CONTACT_ROLES)
    reader.reject_unknown()
    if name is None or email is None or role is None:
        return None
    return ContactConfig(name=name, email=email, phone=phone, role=role)


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")


def _business_hours(reader: Reader) -> tuple[tuple[int, str | None], ...]:
    """``{mon = "08:00-17:00", sat = "09:00-12:00", fri = "closed"}``: changes to Mon-Fri 8-17."""
    table = reader.table("business_hours")
    found = []
    for index, day in enumerate(_WEEKDAYS):
        value = table.string(day)
        if value is None:
            continue
        if value != "closed" and not _WINDOW.match(value):
            table.problem(day, f'expected "HH:MM-HH:MM" or "closed", got {value!r}')
            continue
        found.append((index, None if value == "closed" else value))
    table.reject_unknown()
    return tuple(found)


def _dates(reader: Reader, key: str) -> tuple[str, ...]:
    values = reader.strings(key)
    for value in values:
        try:
            date.fromisoformat(value)
        except ValueError:
            reader.problem(key, f"expected ISO dates like 2026-10-12, got {value!r}")
    return values


def read_client(reader: Reader) -> ClientConfig | None:
    """One ``[[clients]]`` table; None when it is too broken to use (its problems recorded)."""
    name = reader.string("name", REQUIRED)
    domains = []
    for domain in reader.strings("domains"):
        try:
            domains.append(normalize_domain(domain))
        except AddressError as exc:
            reader.problem("domains", f"expected domain names: {exc}")
    timezone = reader.string("timezone", "UTC")
    try:
        ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        reader.problem(
            "timezone", f"expected an IANA time zone like America/Denver, got {timezone!r}"
        )
    holidays = reader.string("holidays")
    if holidays is not None and not HOLIDAY_CODE.match(holidays):
        reader.problem("holidays", f"expected a code like US or US-CO, got {holidays!r}")
    fee = reader.number("monthly_fee", 0)
    hourly_rate = reader.number("hourly_rate", None)
    business_hours = _business_hours(reader)
    closed_days = _dates(reader, "closed_days")
    working_holidays = _dates(reader, "working_holidays")
    board_serials = tuple(v.upper() for v in reader.strings("board_serials"))
    appliance_serials = tuple(v.upper() for v in reader.strings("appliance_serials"))
    sites = _sites(reader.table("sites"), {*board_serials, *appliance_serials})
    contacts = [_read_contact(c) for c in reader.tables("contacts")]
    reader.reject_unknown()
    if name is None or fee is None:
        return None
    return ClientConfig(
        name=name,
        domains=tuple(domains),
        timezone=timezone or "UTC",
        holidays=holidays,
        monthly_fee=fee,
        contacts=tuple(c for c in contacts if c is not None),
        board_serials=board_serials,
        appliance_serials=appliance_serials,
        sites=sites,
        business_hours=business_hours,
        closed_days=closed_days,
        working_holidays=working_holidays,
        hourly_rate=hourly_rate,
    )


def _sites(reader: Reader, register: set[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``sites = { Lakewood = ["711KR", "7140M"] }``: each site's serials, all in the register."""
    sites = []
    for name in reader.names():
        serials = tuple(v.upper() for v in reader.strings(name))
        unknown = [s for s in serials if s not in register]
        if unknown:
            reader.problem(name, f"serials {unknown} are not in board_serials or appliance_serials")
        sites.append((name, tuple(s for s in serials if s in register)))
    return tuple(sites)


def check_clients(clients: list[ClientConfig], problems: list[str], where: str) -> None:
    """Names, domains and contact addresses must each belong to exactly one client."""
    seen: set[tuple[str, str]] = set()
    for client in clients:
        keys = [("name", client.name)]
        keys += [("domain", domain) for domain in client.domains]
        keys += [("contact e-mail", contact.email) for contact in client.contacts]
        for key in keys:
            if key in seen:
                problems.append(f"{where}: clients: {key[0]} {key[1]!r} is listed more than once")
            seen.add(key)
