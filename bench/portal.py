"""Portal page times: the client's ticket list, a ticket, and the staff queue, over real HTTP.

``.venv/bin/python bench/portal.py [-n 2000] [--requests 50]`` makes a fresh SQLite database,
inserts n tickets for one client (each with two messages), starts a real ``serve`` with the
portal on loopback, signs a client and a staff member in through stored sign-in links, then
times sequential GETs of ``/tickets`` (at most 500 rows shown), ``/tickets/<one>`` and
``/staff`` (every open ticket, sorted by next target). Prints JSON: median and p95 in ms.
Everything shares this machine's CPUs with the daemon's own tasks.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import benchlib
import httpx

sys.path.insert(0, str(benchlib.ROOT))
from tests.helpers import config_dict, to_toml
from tests.servers.ports import free_port

from zsupport_mail.db import migrate
from zsupport_mail.db.models import Client, PortalSignin, Ticket, TicketMessage
from zsupport_mail.db.repos import sync_directory
from zsupport_mail.db.session import make_engine, make_session_factory
from zsupport_mail.settings import load_settings


def fill(config: Path, count: int) -> None:
    """n tickets for Acme Dental, with a report and an acknowledgement each, and two links."""
    settings = load_settings(config)
    engine = make_engine(settings.database.url)
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    with sessions.begin() as session:
        sync_directory(session, settings)
        client = session.query(Client).filter_by(name="Acme Dental").one()
        for index in range(1, count + 1):
            at = now - timedelta(minutes=index)
            ticket = Ticket(
                number=f"ZS-{index:06d}",
                client_id=client.id,
                requester_email="dana@acmedental.example",
                authorized=True,
                status="open",
                subject=f"Problem {index}",
                created_at=at,
                updated_at=at,
                response_due_at=at + timedelta(hours=2),
                restoration_due_at=at + timedelta(hours=24),
            )
            ticket.messages = [
                TicketMessage(
                    direction=d,
                    from_addr=a,
                    subject="s",
                    body_text="text\n> quoted",
                    created_at=at,
                    to_addrs=[],
                    cc_addrs=[],
                )
                for d, a in (
                    ("inbound", "dana@acmedental.example"),
                    ("outbound", "support@zsupport.example"),
                )
            ]
            session.add(ticket)
        for address in ("dana@acmedental.example", "tech@zsupport.example"):
            session.add(
                PortalSignin(
                    token_sha256=hashlib.sha256(address.encode()).hexdigest(),
                    email=address,
                    created_at=now,
                    expires_at=now + timedelta(minutes=15),
                )
            )
    engine.dispose()


def signed_in(base: str, address: str) -> httpx.Client:
    http = httpx.Client(base_url=base, timeout=60)
    page = http.get(f"/signin?token={address}").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    assert http.post("/signin", data={"csrf": csrf, "token": address}).status_code == 303
    return http


def timed(http: httpx.Client, path: str, requests: int) -> dict[str, float]:
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        assert http.get(path).status_code == 200
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'portal.db'}"
        migrate.upgrade(url)
        port = free_port()
        data = config_dict(
            url,
            folder,
            smtp={"port": free_port()},
            portal={"port": port, "base_url": f"http://127.0.0.1:{port}"},
            safety={"secret": "bench-portal-secret-0123"},
        )
        config = folder / "config.toml"
        config.write_text(to_toml(data), encoding="utf-8")
        fill(config, args.n)
        serve = subprocess.Popen(
            [sys.executable, "-m", "zsupport_mail", "--config", str(config), "serve"],
            stderr=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    httpx.get(base + "/", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            client = signed_in(base, "dana@acmedental.example")
            staff = signed_in(base, "tech@zsupport.example")
            result = {
                "tickets": args.n,
                "requests": args.requests,
                "client_list": timed(client, "/tickets", args.requests),
                "client_ticket": timed(client, "/tickets/ZS-000001", args.requests),
                "staff_queue": timed(staff, "/staff", args.requests),
            }
            client.close()
            staff.close()
        finally:
            serve.send_signal(signal.SIGTERM)
            serve.wait(timeout=60)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
