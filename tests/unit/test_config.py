"""Config loading: the example file is valid; every error names the file, the key, the fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import config_dict, to_toml
from zsupport_mail.settings import ConfigError, config_path, load_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "zsupport.example.toml"


def write(tmp_path, **overrides) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(to_toml(config_dict("sqlite:///x.db", tmp_path, **overrides)))
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    return info.value.problems


def test_example_config_is_valid():
    settings = load_settings(EXAMPLE)
    assert settings.database.url == "sqlite:///var/zsupport.db"
    assert settings.smtp.port == 8025
    assert settings.outbound.mode == "maildir"
    assert (
        settings.tickets.format_tag(settings.tickets.format_number(123)) == "[Z-Support #ZS-000123]"
    )
    [client] = settings.clients
    assert [c.role for c in client.contacts] == ["primary", "backup"]


def test_contacts_are_normalised(tmp_path):
    settings = load_settings(write(tmp_path))
    emails = [c.email for c in settings.clients[0].contacts]
    assert "dana@acmedental.example" in emails


def test_errors_name_file_key_and_expectation(tmp_path):
    path = write(
        tmp_path,
        smtp={"port": "smtp", "addresses": ["not an address"]},
        outbound={"mode": "pigeon"},
    )
    found = problems(path)
    assert f"{path}: smtp.port: expected an integer from 1 to 65535, got 'smtp'" in found
    assert any(p.startswith(f"{path}: smtp.addresses: expected an e-mail address") for p in found)
    assert f"{path}: outbound.mode: expected one of maildir, smtp, got 'pigeon'" in found


def test_unknown_keys_are_errors(tmp_path):
    path = write(tmp_path, smtp={"adresses": ["support@zsupport.example"]})
    assert f"{path}: smtp.adresses: unknown key" in problems(path)


def test_bad_client_values(tmp_path):
    clients = [
        {
            "name": "A",
            "domains": ["a.example"],
            "timezone": "Mars/Olympus",
            "holidays": "usa",
            "contacts": [{"name": "X", "email": "x@a.example", "role": "boss"}],
        },
        {"name": "B", "domains": ["a.example"]},
    ]
    found = problems(write(tmp_path, clients=clients))
    assert any("clients[0].timezone: expected an IANA time zone" in p for p in found)
    assert any("clients[0].holidays: expected a code like US or US-CO" in p for p in found)
    assert any(
        "clients[0].contacts[0].role: expected one of primary, backup, other" in p for p in found
    )
    assert any("domain 'a.example' is listed more than once" in p for p in found)


def test_missing_file_and_bad_toml(tmp_path):
    assert "no such file" in problems(tmp_path / "nope.toml")[0]
    bad = tmp_path / "bad.toml"
    bad.write_text("[smtp\nport = 1")
    assert "not valid TOML" in problems(bad)[0]


def test_env_overrides(tmp_path, monkeypatch):
    path = write(tmp_path)
    monkeypatch.setenv("ZSUPPORT_CONFIG", str(path))
    monkeypatch.setenv("ZSUPPORT_DATABASE_URL", "sqlite:///elsewhere.db")
    assert config_path(None) == path
    assert config_path("explicit.toml") == Path("explicit.toml")
    assert load_settings(path).database.url == "sqlite:///elsewhere.db"


def test_tls_files_must_exist_and_come_in_pairs(tmp_path):
    cert = tmp_path / "cert.pem"
    cert.write_text("x")
    found = problems(write(tmp_path, smtp={"tls_cert": str(cert), "tls_key": "/nope/key.pem"}))
    assert any("smtp.tls_key: no such file" in p for p in found)


def test_check_config_command_exits_2_with_every_problem(tmp_path):
    path = write(tmp_path, smtp={"port": 0}, tickets={"subject_tag": "[no number]"})
    result = subprocess.run(
        [sys.executable, "-m", "zsupport_mail", "--config", str(path), "check-config"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "smtp.port" in result.stderr
    assert "tickets.subject_tag" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_config_prints_a_summary():
    result = subprocess.run(
        [sys.executable, "-m", "zsupport_mail", "--config", str(EXAMPLE), "check-config"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout
    assert "clients: 1" in result.stdout


def test_client_calendar_keys_are_validated(tmp_path):
    clients = [
        {
            "name": "A",
            "domains": ["a.example"],
            "business_hours": {"sat": "9-12", "funday": "08:00-10:00"},
            "closed_days": ["2026-13-01"],
            "working_holidays": ["2026-10-12"],
        }
    ]
    found = problems(write(tmp_path, clients=clients))
    assert any('clients[0].business_hours.sat: expected "HH:MM-HH:MM"' in p for p in found)
    assert any("clients[0].business_hours.funday: unknown key" in p for p in found)
    assert any("clients[0].closed_days: expected ISO dates" in p for p in found)


def test_database_busy_timeout_defaults_to_30_and_is_checked(tmp_path):
    assert load_settings(EXAMPLE).database.busy_timeout_seconds == 30
    settings = load_settings(write(tmp_path, database={"busy_timeout_seconds": 2}))
    assert settings.database.busy_timeout_seconds == 2
    path = write(tmp_path, database={"busy_timeout_seconds": 0})
    assert f"{path}: database.busy_timeout_seconds: expected an integer from 1 to 3600, got 0" in (
        problems(path)
    )


def test_staff_queue_defaults_to_every_staff_address(tmp_path):
    data = config_dict("sqlite:///x.db", tmp_path)
    data["staff"] = {"addresses": ["Tom@ZSupport.example", "ann@zsupport.example"]}
    path = tmp_path / "config.toml"
    path.write_text(to_toml(data))
    staff = load_settings(path).staff
    assert staff.queue_addresses == ("ann@zsupport.example", "tom@zsupport.example")
    assert (staff.pager_addresses, staff.timezone) == ((), "UTC")


def test_bad_staff_desk_values_are_named(tmp_path):
    found = problems(
        write(
            tmp_path,
            staff={
                "timezone": "Mars/Olympus",
                "portal_url": "https://desk.example/t",
                "queue_addresses": ["not an address"],
            },
        )
    )
    text = "\n".join(found)
    assert "staff.timezone" in text
    assert "Mars/Olympus" in text
    assert "staff.portal_url" in text
    assert "{number}" in text
    assert "staff.queue_addresses" in text
