"""A throwaway Postfix in a temp dir that relays every message to one loopback SMTP listener.

Tests use it as the real MTA in front of (or behind) the daemon: it queues, retries quickly and
generates real DSN bounces when the listener answers 5xx. Postfix needs root to start.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
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

POSTFIX = "/usr/sbin/postfix"
POSTQUEUE = "/usr/sbin/postqueue"

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {base_dir}/queue
data_directory = {base_dir}/data
maillog_file_prefixes = {base_dir}
maillog_file = {base_dir}/maillog
myhostname = postfix-test.localdomain
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relayhost = [{relay_host}]:{relay_port}
smtp_dns_support_level = disabled
local_header_rewrite_clients =
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 5s
"""

# The stock services Postfix needs to accept, queue, relay and bounce; none chrooted.
MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
"""


class PostfixRelay:
    """`postfix start-fg` with its own config dir; the port is picked at construction."""

    def __init__(
        self,
        base_dir: Path,
        relay_host: str = "127.0.0.1",
        *,
        relay_port: int,
        extra_main_cf: str = "",
        extra_main: str = "",
    ) -> None:
        self.base_dir = base_dir
        self.extra_main_cf = extra_main_cf  # more main.cf lines; {config_dir} is filled in
        self.extra_main = extra_main  # appended to main.cf (TLS, SASL for a submission relay)
        self.config_dir = base_dir / "etc"
        self.maillog = base_dir / "maillog"
        self.relay_host = relay_host
        self.relay_port = relay_port
        self.host = "127.0.0.1"
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start Postfix and wait for its SMTP greeting; raise with its log if it does not come."""
        if os.geteuid() != 0:
            raise RuntimeError("Postfix needs root to start (run the integration tests as root)")
        if self._process is not None:
            raise RuntimeError("Postfix is already running")
        ensure_port_free(self.port)
        self._write_config()
        self._postfix("check")
        with (self.base_dir / "postfix.stderr").open("ab") as stderr:
            self._process = subprocess.Popen(
                [POSTFIX, "-c", str(self.config_dir), "start-fg"],
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
                process_group=0,
            )
        try:
            wait_for_port(self.host, self.port, timeout=30, process=self._process, greeting=b"220")
        except TimeoutError as exc:
            self.stop()
            raise RuntimeError(
                f"Postfix did not start:\n{log_tail(self.base_dir / 'postfix.stderr')}"
                f"\n{log_tail(self.maillog)}"
            ) from exc

    def stop(self) -> None:
        """SIGTERM the master (it passes the signal on to its children), wait, kill leftovers.

        `master -s` makes itself a session leader, so it and its children are not in the process
        group of the `postfix start-fg` we started: signal the master's group too.
        """
        process, self._process = self._process, None
        if process is None:
            return
        master_pid = self._master_pid()  # None when it failed before writing its pid file
        groups = [process.pid] if master_pid is None else [master_pid, process.pid]
        try:
            signal_group(groups[0], signal.SIGTERM)
            process.wait(timeout=15)  # postfix-script returns when the master has exited
            wait_for_port_free(self.host, self.port, timeout=15)
        finally:
            for group in groups:
                signal_group(group, signal.SIGKILL)
            process.wait()

    def flush(self) -> None:
        """Ask Postfix to retry every deferred message now."""
        self._postqueue("-f")

    def queue_ids(self) -> list[str]:
        """Queue ids of the messages still in the queue (incoming, active, deferred, hold)."""
        output = self._postqueue("-j")
        return [json.loads(line)["queue_id"] for line in output.splitlines() if line.strip()]

    def queue_is_empty(self) -> bool:
        return not self.queue_ids()

    def wait_for_empty_queue(self, timeout: float = 10) -> None:
        """Poll the queue until every message is delivered or bounced, or raise TimeoutError."""
        deadline = time.monotonic() + timeout
        while not self.queue_is_empty():
            if time.monotonic() >= deadline:
                raise TimeoutError(f"Postfix queue still holds {self.queue_ids()}")
            time.sleep(0.05)

    def maillog_text(self) -> str:
        try:
            return self.maillog.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def _master_pid(self) -> int | None:
        try:
            return int((self.base_dir / "queue" / "pid" / "master.pid").read_text())
        except (FileNotFoundError, ValueError):
            return None

    def _write_config(self) -> None:
        allow_traverse(self.base_dir)
        self.config_dir.mkdir(parents=True, exist_ok=True)
        (self.base_dir / "queue").mkdir(exist_ok=True)
        data_dir = self.base_dir / "data"
        data_dir.mkdir(exist_ok=True)
        shutil.chown(data_dir, "postfix", "postfix")
        (self.config_dir / "main.cf").write_text(
            MAIN_CF.format(
                base_dir=self.base_dir, relay_host=self.relay_host, relay_port=self.relay_port
            )
            + self.extra_main_cf.replace("{config_dir}", str(self.config_dir))
            + self.extra_main
        )
        (self.config_dir / "master.cf").write_text(MASTER_CF.format(port=self.port))

    def _postfix(self, *args: str) -> str:
        return _run([POSTFIX, "-c", str(self.config_dir), *args])

    def _postqueue(self, *args: str) -> str:
        return _run([POSTQUEUE, "-c", str(self.config_dir), *args])


def _run(command: list[str]) -> str:
    result = subprocess.run(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}")
    return result.stdout
