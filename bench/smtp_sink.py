"""Baseline SMTP servers for bench/smtp.py: the limits the daemon's SMTP edge is measured against.

``python bench/smtp_sink.py --mode noop --port P`` answers 250 to every DATA at once: the cost of
aiosmtpd and the loopback socket alone. ``--mode fsync --dir D`` first writes each message to
its own file in D and fsyncs it, off the event loop like the daemon's store: the cheapest
durable acknowledgement, i.e. the limit for an edge that may only say 250 after a commit.

Both use the same aiosmtpd ``SMTP`` class and options as ``serve`` (no decoding, same size limit,
SMTPUTF8), listen on 127.0.0.1 only, print one JSON line ``{"event": "ready", "port": P}`` on
stdout when listening, and exit 0 on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import sys
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session

MAX_MESSAGE_BYTES = 36_700_160  # the example config's smtp.max_message_bytes


class NoopHandler:
    """Accept every message without looking at it."""

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return "250 2.0.0 OK"


class FsyncHandler:
    """Write every message to a new file and fsync it before answering 250."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._numbers = itertools.count()

    def _write(self, raw: bytes) -> None:
        path = self._directory / f"{next(self._numbers):06d}.eml"
        with open(path, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        await asyncio.get_running_loop().run_in_executor(None, self._write, raw)
        return "250 2.0.0 OK"


async def serve(handler: object, port: int) -> None:
    """Listen until a signal arrives."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(
            handler,
            data_size_limit=MAX_MESSAGE_BYTES,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname="sink.example",
        ),
        host="127.0.0.1",
        port=port,
        reuse_address=True,
    )
    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    bound = server.sockets[0].getsockname()[1]
    print(json.dumps({"event": "ready", "port": bound}), flush=True)
    await stopping.wait()
    server.close()
    await server.wait_closed()


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=("noop", "fsync"), required=True)
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--dir", type=Path, help="where --mode fsync writes the messages")
    args = parser.parse_args(argv)
    if args.mode == "fsync":
        if args.dir is None:
            parser.error("--mode fsync needs --dir")
        args.dir.mkdir(parents=True, exist_ok=True)
        handler: object = FsyncHandler(args.dir)
    else:
        handler = NoopHandler()
    asyncio.run(serve(handler, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
