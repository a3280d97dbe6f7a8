"""[outbound]: relay security defaults by port, no login in clear text, DKIM keys tried at load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.helpers import config_dict, to_toml
from zsupport_mail.settings import ConfigError, load_settings


def write(tmp_path: Path, **outbound: object) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(to_toml(config_dict("sqlite:///x.db", tmp_path, outbound=outbound)))
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    return info.value.problems


def rsa_key_file(tmp_path: Path) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "dkim.key"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return path


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("smtp.office365.com", 587, "starttls"),
        ("smtp.gmail.com", 465, "tls"),
        ("127.0.0.1", 25, "none"),
        ("relay.isp.example", 25, "starttls"),
    ],
)
def test_relay_security_defaults_by_port_and_host(tmp_path, host, port, expected):
    settings = load_settings(write(tmp_path, relay_host=host, relay_port=port))
    assert settings.outbound.relay_security == expected


def test_a_login_is_never_sent_in_clear_text_off_loopback(tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("pw\n")
    found = problems(
        write(
            tmp_path,
            relay_host="relay.isp.example",
            relay_security="none",
            relay_username="desk",
            relay_password_file=str(secret),
        )
    )
    assert any("relay_security: none (clear text) is refused with a login" in p for p in found)


def test_the_relay_password_comes_from_its_file_and_stays_out_of_reprs(tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("hunter2-relay\n")
    settings = load_settings(
        write(
            tmp_path,
            relay_host="smtp.office365.com",
            relay_port=587,
            relay_username="desk@zsupport.example",
            relay_password_file=str(secret),
        )
    )
    assert settings.outbound.relay_password == "hunter2-relay"
    assert "hunter2" not in repr(settings)


def test_a_username_without_a_password_file_is_a_problem(tmp_path):
    found = problems(write(tmp_path, relay_username="desk"))
    assert any("relay_password_file: expected a password file" in p for p in found)


def test_dkim_keys_go_together_and_must_be_usable(tmp_path):
    assert any(
        "dkim_domain, dkim_selector and dkim_private_key_file go together" in p
        for p in problems(write(tmp_path, dkim_domain="zsupport.example"))
    )
    junk = tmp_path / "junk.key"
    junk.write_text("not a key\n")
    found = problems(
        write(
            tmp_path,
            dkim_domain="zsupport.example",
            dkim_selector="desk",
            dkim_private_key_file=str(junk),
        )
    )
    assert any("dkim_private_key_file: not a usable DKIM private key" in p for p in found)
    key = rsa_key_file(tmp_path)
    settings = load_settings(
        write(
            tmp_path,
            dkim_domain="zsupport.example",
            dkim_selector="desk",
            dkim_private_key_file=str(key),
        )
    )
    assert settings.outbound.dkim is not None
    assert settings.outbound.dkim.selector == "desk"
    assert b"PRIVATE KEY" not in repr(settings).encode()


def test_check_config_names_the_relay_security_login_dkim_and_retention(tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("pw\n")
    data = config_dict(
        "sqlite:///x.db",
        tmp_path,
        outbound={
            "mode": "smtp",
            "relay_host": "smtp.office365.com",
            "relay_port": 587,
            "relay_username": "desk@zsupport.example",
            "relay_password_file": str(secret),
            "dkim_domain": "zsupport.example",
            "dkim_selector": "desk",
            "dkim_private_key_file": str(rsa_key_file(tmp_path)),
        },
        retention={"keep_raw_after_close": "1y"},
    )
    path = tmp_path / "config.toml"
    path.write_text(to_toml(data))
    result = subprocess.run(
        [sys.executable, "-m", "zsupport_mail", "--config", str(path), "check-config", "--json"],
        capture_output=True,
        timeout=60,
        check=True,
    )
    summary = json.loads(result.stdout)
    assert summary["relay"] == "smtp.office365.com:587"
    assert (summary["relay_security"], summary["relay_login"]) == ("starttls", "password")
    assert summary["dkim"] == "desk._domainkey.zsupport.example"
    assert summary["retention_days"] == 365
    assert b"pw" not in result.stdout.replace(b"password", b"")
