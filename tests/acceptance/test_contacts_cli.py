"""``contacts import`` / ``contacts list`` as a user runs them, and a running serve that sees an
import without a restart or a reload."""

from __future__ import annotations

import json
import signal
import smtplib
import subprocess
import sys

import pytest

from tests.helpers import SUPPORT, make_mail, write_config

NOTICE = (
    "client,name,email,role,phone\n"
    "Acme Dental,Lee Jones,lee@acmedental.example,primary,\n"
    "Acme Dental,Kim New,kim@acmedental.example,backup,+1 303 555 0102\n"
)


def run(config, *args):
    return subprocess.run(
        [sys.executable, "-m", "zsupport_mail", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def listed(config, *args) -> set[tuple[str, str]]:
    result = run(config, "contacts", "list", "--json", *args)
    assert result.returncode == 0, result.stderr
    return {(row["email"], row["role"]) for row in json.loads(result.stdout)}


@pytest.fixture
def config(tmp_path, db_url):
    return write_config(tmp_path / "config.toml", db_url, tmp_path)


ACME_FROM_CONFIG = {("dana@acmedental.example", "primary"), ("lee@acmedental.example", "backup")}


def test_invalid_file_exits_2_with_every_line_and_changes_nothing(config, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "client,name,email,role\n"
        "Acme Dental,Kim,kim@acmedental.example,owner\n"
        "Acme Dental,Lee,not-an-address,backup\n"
    )
    result = run(config, "contacts", "import", str(bad))
    assert result.returncode == 2
    assert f"{bad}: line 2: role 'owner'" in result.stderr
    assert f"{bad}: line 3: not an e-mail address" in result.stderr
    assert "nothing was changed" in result.stderr
    assert listed(config, "--client", "Acme Dental") == ACME_FROM_CONFIG


@pytest.mark.every_backend
def test_dry_run_shows_the_diff_then_the_import_keeps_the_history(config, tmp_path):
    notice = tmp_path / "contacts.csv"
    notice.write_text(NOTICE)
    dry = run(config, "contacts", "import", "--dry-run", str(notice))
    assert dry.returncode == 0, dry.stderr
    assert "+ Kim New <kim@acmedental.example> backup" in dry.stdout
    assert "~ Lee Jones <lee@acmedental.example> primary (was backup)" in dry.stdout
    assert "- Dana Smith <dana@acmedental.example> primary" in dry.stdout
    assert listed(config, "--client", "Acme Dental") == ACME_FROM_CONFIG

    done = run(config, "contacts", "import", "--json", "--note", "letter of 20 Nov", str(notice))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["dry_run"] is False
    assert report["source"].startswith("import:contacts.csv by ")
    assert listed(config, "--client", "Acme Dental") == {
        ("lee@acmedental.example", "primary"),
        ("kim@acmedental.example", "backup"),
    }
    assert listed(config, "--client", "Acme Dental", "--at", "2020-01-01") == ACME_FROM_CONFIG
    history = json.loads(run(config, "contacts", "list", "--history", "--json").stdout)
    [dana] = [row for row in history if row["email"] == "dana@acmedental.example"]
    assert dana["ended_by"] == report["source"]
    assert dana["valid_until"] == report["at"]
    assert run(config, "contacts", "list").returncode == 0


def test_show_commands_explain_an_authorisation(config, tmp_path):
    (tmp_path / "report.eml").write_bytes(make_mail())
    first = json.loads(run(config, "ingest", str(tmp_path / "report.eml")).stdout)
    notice = tmp_path / "contacts.csv"
    notice.write_text(NOTICE)
    assert run(config, "contacts", "import", str(notice)).returncode == 0
    (tmp_path / "later.eml").write_bytes(make_mail(message_id="<later@acmedental.example>"))
    later = json.loads(run(config, "ingest", str(tmp_path / "later.eml")).stdout)
    assert (first["action"], later["action"]) == ("created", "unauthorized")

    ticket = json.loads(run(config, "tickets", "show", first["ticket"], "--json").stdout)
    why = ticket["authorization"]
    assert why["authorized"] is True
    assert why["explanation"].startswith(
        "primary contact of Acme Dental since the start of the record, config; until "
    )  # authorised when the report arrived, and the import that ended it
    message = json.loads(run(config, "messages", "show", str(later["inbound_id"]), "--json").stdout)
    why = message["authorization"]
    assert why["authorized"] is False
    assert why["explanation"].startswith("dana@acmedental.example was not an authorised contact")
    assert "until" in why["explanation"]
    assert "import:contacts.csv" in why["explanation"]
    shown = run(config, "tickets", "show", first["ticket"])
    assert "authorisation: primary contact of Acme Dental" in shown.stdout


@pytest.mark.every_backend
def test_a_running_serve_sees_an_import_without_a_reload(start_serve, tmp_path):
    serve = start_serve()
    notice = tmp_path / "contacts.csv"
    notice.write_text(NOTICE)
    assert run(serve.config, "contacts", "import", str(notice)).returncode == 0
    kim = make_mail(sender="Kim New <kim@acmedental.example>", message_id="<kim@acme>")
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        client.sendmail("kim@acmedental.example", [SUPPORT], kim)
    [event] = serve.wait_for("message_processed")
    assert event["action"] == "created", event


def test_outage_notices_go_to_the_contacts_authorised_now(config, tmp_path):
    notice = tmp_path / "contacts.csv"
    notice.write_text(NOTICE)
    assert run(config, "contacts", "import", str(notice)).returncode == 0
    result = run(
        config,
        *("outage", "announce", "--client", "Acme Dental", "--emergency", "--reason", "x"),
        *("--start", "2026-12-01T22:00", "--end", "2026-12-01T23:00"),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["to"] == ["lee@acmedental.example", "kim@acmedental.example"]


def test_a_reload_keeps_the_imported_list(start_serve, tmp_path):
    serve = start_serve()
    notice = tmp_path / "contacts.csv"
    notice.write_text(NOTICE)
    assert run(serve.config, "contacts", "import", str(notice)).returncode == 0
    serve.process.send_signal(signal.SIGHUP)  # the config still lists Dana as primary
    serve.wait_for("config_reloaded")
    [superseded] = serve.wait_for("config_contacts_superseded")
    assert "dana@acmedental.example" in superseded["contacts"]
    dana = make_mail(message_id="<dana-after-reload@acme>")
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        client.sendmail("dana@acmedental.example", [SUPPORT], dana)
    [event] = serve.wait_for("message_processed")
    assert event["action"] == "unauthorized", event
