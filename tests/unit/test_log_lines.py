"""Each log line reaches stderr in one write: serve and its worker process share that
stream, and a line written in pieces can be cut in two by the other process's line."""

from __future__ import annotations

import io
import json
import sys

import structlog

from zsupport_mail.runtime.logs import configure_logging


class RecordingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)

    def isatty(self) -> bool:
        return False


def test_every_line_is_one_write(monkeypatch):
    stream = RecordingStream()
    monkeypatch.setattr(sys, "stderr", stream)
    configure_logging("info")
    try:
        log = structlog.get_logger("test")
        log.info("message_processed", inbound_id=1, reason="x" * 3000)
        log.warning("database_unavailable", task="worker")
    finally:
        structlog.reset_defaults()  # later tests must not write into this stream

    assert len(stream.writes) == 2
    for write in stream.writes:
        assert write.endswith("\n")
        assert write.count("\n") == 1
        json.loads(write)
