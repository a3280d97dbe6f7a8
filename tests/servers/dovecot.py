"""A throwaway Dovecot IMAP server in a temp dir, on a free loopback port.

The config reads nothing from /etc/dovecot. Plaintext login is allowed (ssl = no) because it
only listens on 127.0.0.1; given a certificate and key it also offers STARTTLS on the IMAP port
and implicit TLS on a second port (`tls_port`), and `extra_config` is appended verbatim (e.g. an
`imap_capability` line to play a server without IDLE or MOVE). Dovecot will not store mail as
uid 0, so as root the mail belongs to the `dovecot` account; as an ordinary user everything
runs as that user without chroots.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import subprocess
from pathlib import Path

from tests.servers.ports import (
    allow_traverse,
    ensure_port_free,
    free_port,
    log_tail,
    signal_group,
    wait_for_port,
    wait_for_port_free,
)

DOVECOT = "/usr/sbin/dovecot"
MAIL_ACCOUNT_AS_ROOT = "dovecot"
LOGIN_ACCOUNT_AS_ROOT = "dovenull"
# Services that chroot by default; an ordinary user cannot chroot, so we clear it.
CHROOTED_SERVICES = ("imap-login", "anvil", "ipc", "aggregator", "old-stats", "imap-urlauth-login")

CONFIG = """\
base_dir = {base_dir}/run
state_dir = {base_dir}/state
instance_name = {instance_name}
log_path = {base_dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = {ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = {uid}
last_valid_uid = {uid}

namespace inbox {{
  inbox = yes
}}

passdb {{
  driver = passwd-file
  args = {base_dir}/users
}}

userdb {{
  driver = passwd-file
  args = {base_dir}/users
}}

service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = {tls_port}
  }}
}}
"""

NO_CHROOT = """
service {service} {{
  chroot =
}}
"""


class DovecotServer:
    """`dovecot -F` with one passwd-file user; the port is picked at construction and kept."""

    def __init__(
        self,
        base_dir: Path,
        user: str = "support",
        password: str = "secret",
        *,
        tls_files: tuple[Path, Path] | None = None,
        extra_config: str = "",
    ) -> None:
        self.base_dir = base_dir
        self.tls_files = tls_files  # (certificate chain, key), PEM
        self.tls_port = free_port() if tls_files else 0
        self.extra_config = extra_config
        self.user = user
        self.password = password
        self.host = "127.0.0.1"
        self.port = free_port()
        self.home = base_dir / "mail" / user
        self.maildir = self.home / "Maildir"
        self.log_path = base_dir / "dovecot.log"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start Dovecot and wait for its IMAP greeting; raise with its log if it does not come."""
        if self._process is not None:
            raise RuntimeError("Dovecot is already running")
        ensure_port_free(self.port)
        if self.tls_port:
            ensure_port_free(self.tls_port)
        config = self._write_config()
        with (self.base_dir / "dovecot.stderr").open("ab") as stderr:
            self._process = subprocess.Popen(
                [DOVECOT, "-F", "-c", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
                process_group=0,
            )
        try:
            wait_for_port(self.host, self.port, timeout=10, process=self._process, greeting=b"* OK")
        except TimeoutError as exc:
            self.stop()
            raise RuntimeError(
                f"Dovecot did not start:\n{log_tail(self.base_dir / 'dovecot.stderr')}"
                f"\n{log_tail(self.log_path)}"
            ) from exc

    def stop(self) -> None:
        """SIGTERM Dovecot's process group, wait for it, then kill whatever is left."""
        process, self._process = self._process, None
        if process is None:
            return
        try:
            signal_group(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
            wait_for_port_free(self.host, self.port, timeout=10)
        finally:
            signal_group(process.pid, signal.SIGKILL)
            process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def _write_config(self) -> Path:
        self.maildir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            mail_account = pwd.getpwnam(MAIL_ACCOUNT_AS_ROOT)
            login_user = LOGIN_ACCOUNT_AS_ROOT
            allow_traverse(self.base_dir)
            for path in (self.home.parent, self.home, *self.home.rglob("*")):
                shutil.chown(path, mail_account.pw_uid, mail_account.pw_gid)
        else:
            mail_account = pwd.getpwuid(os.geteuid())
            login_user = mail_account.pw_name
        users = self.base_dir / "users"
        users.write_text(
            f"{self.user}:{{PLAIN}}{self.password}:"
            f"{mail_account.pw_uid}:{mail_account.pw_gid}::{self.home}\n"
        )
        users.chmod(0o644)
        config = CONFIG.format(
            base_dir=self.base_dir,
            instance_name=f"zsupport-test-{self.port}",
            internal_user=mail_account.pw_name,
            internal_group=grp.getgrgid(mail_account.pw_gid).gr_name,
            login_user=login_user,
            uid=mail_account.pw_uid,
            port=self.port,
            ssl="yes" if self.tls_files else "no",
            tls_port=self.tls_port,
        )
        if self.tls_files:
            config += f"ssl_cert = <{self.tls_files[0]}\nssl_key = <{self.tls_files[1]}\n"
        config += self.extra_config
        if os.geteuid() != 0:
            config += "".join(NO_CHROOT.format(service=name) for name in CHROOTED_SERVICES)
        path = self.base_dir / "dovecot.conf"
        path.write_text(config)
        return path
