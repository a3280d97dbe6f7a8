"""[[imap.mailboxes]]: defaults, the key, secrets, and refusing plaintext off loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import config_dict, to_toml
from zsupport_mail.settings import ConfigError, load_settings


def write(tmp_path: Path, *mailboxes: dict) -> Path:
    path = tmp_path / "config.toml"
    data = config_dict("sqlite:///x.db", tmp_path, imap={"mailboxes": list(mailboxes)})
    path.write_text(to_toml(data))
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    return info.value.problems


BOX = {"host": "imap.example.net", "user": "support@zsupport.example", "password": "s3cret"}


def test_defaults_and_key(tmp_path):
    [box] = load_settings(write(tmp_path, BOX)).imap.mailboxes
    assert (box.tls, box.port, box.folder, box.processed_folder, box.poll_seconds) == (
        "ssl",
        993,
        "INBOX",
        "Processed",
        60,
    )
    assert box.key == "imap:support@zsupport.example@imap.example.net:993/INBOX"
    assert "s3cret" not in repr(box)


def test_starttls_defaults_to_port_143(tmp_path):
    [box] = load_settings(write(tmp_path, {**BOX, "tls": "starttls"})).imap.mailboxes
    assert box.port == 143


def test_no_imap_section_means_no_pollers(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(to_toml(config_dict("sqlite:///x.db", tmp_path)))
    assert load_settings(path).imap.mailboxes == ()


def test_plaintext_is_refused_off_loopback(tmp_path):
    path = write(tmp_path, {**BOX, "tls": "none"})
    assert (
        f"{path}: imap.mailboxes[0].tls: none (plaintext) is refused for 'imap.example.net': "
        "use ssl or starttls off loopback"
    ) in problems(path)
    for host in ("10.0.0.8", "fe80::1", "localhost.example", "127.0.0.1.nip.io"):
        assert problems(write(tmp_path, {**BOX, "tls": "none", "host": host})), host


@pytest.mark.parametrize("host", ["127.0.0.1", "127.3.4.5", "::1", "[::1]", "localhost"])
def test_plaintext_is_allowed_on_loopback(tmp_path, host):
    [box] = load_settings(write(tmp_path, {**BOX, "tls": "none", "host": host})).imap.mailboxes
    assert box.tls == "none"


def test_password_file_is_read_without_its_newline(tmp_path):
    secret = tmp_path / "imap.secret"
    secret.write_text("from-a-file\n")
    box = {k: v for k, v in BOX.items() if k != "password"}
    [loaded] = load_settings(write(tmp_path, {**box, "password_file": str(secret)})).imap.mailboxes
    assert loaded.password == "from-a-file"


def test_password_problems(tmp_path):
    box = {k: v for k, v in BOX.items() if k != "password"}
    empty = tmp_path / "empty.secret"
    empty.write_text("\n")
    found = problems(
        write(
            tmp_path,
            box,
            {**BOX, "password_file": str(empty)},
            {**box, "password_file": str(tmp_path / "missing")},
            {**box, "password_file": str(empty)},
        )
    )
    assert any("mailboxes[0].password: expected exactly one of password or" in p for p in found)
    assert any("mailboxes[1].password: expected exactly one of password or" in p for p in found)
    assert any("mailboxes[2].password_file: cannot read" in p for p in found)
    assert any("mailboxes[3].password_file:" in p and "is empty" in p for p in found)


def test_every_bad_value_is_reported_with_its_key(tmp_path):
    path = write(
        tmp_path,
        {
            "host": "",
            "port": 0,
            "tls": "tls1.3",
            "password": "x",
            "folder": "INBOX",
            "processed_folder": "INBOX",
            "poll_seconds": 0,
            "idle": True,
        },
    )
    found = problems(path)
    prefix = f"{path}: imap.mailboxes[0]."
    assert f"{prefix}user: missing; expected a string" in found
    assert f"{prefix}host: expected a non-empty string" in found
    assert f"{prefix}port: expected an integer from 1 to 65535, got 0" in found
    assert f"{prefix}tls: expected one of ssl, starttls, none, got 'tls1.3'" in found
    assert f"{prefix}processed_folder: expected a folder name other than `folder`" in found
    assert f"{prefix}poll_seconds: expected an integer from 1 to 3600, got 0" in found
    assert f"{prefix}idle: unknown key" in found


def test_the_same_mailbox_twice_and_unknown_imap_keys(tmp_path):
    path = tmp_path / "config.toml"
    data = config_dict("sqlite:///x.db", tmp_path, imap={"mailboxes": [BOX, BOX], "idle": 1})
    path.write_text(to_toml(data))
    found = problems(path)
    assert any("imap.mailboxes: imap:support@zsupport.example@imap" in p for p in found)
    assert f"{path}: imap.idle: unknown key" in found


EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "zsupport.example.toml"


def test_the_commented_example_in_the_example_config_is_valid(tmp_path):
    text = EXAMPLE.read_text()
    block = text[text.index("# [[imap.mailboxes]]") :].split("\n\n")[0]
    lines = [line.removeprefix("# ") for line in block.splitlines()]
    table = "\n".join(line for line in lines if not line.startswith(("#", "password =")))
    secret = tmp_path / "imap-password"
    secret.write_text("s3cret\n")
    table = table.replace("/etc/zsupport-mail/imap-password", str(secret))
    path = tmp_path / "config.toml"
    path.write_text(EXAMPLE.read_text() + "\n" + table + "\n")
    [box] = load_settings(path).imap.mailboxes
    assert (box.host, box.tls, box.port, box.password) == ("imap.example.net", "ssl", 993, "s3cret")
