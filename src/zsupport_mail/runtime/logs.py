"""structlog set-up: one call at start, JSON lines when stderr is not a terminal.

stdout belongs to the CLI's JSON output, so every log line goes to stderr.
"""

from __future__ import annotations

import logging
import sys

import structlog

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


def configure_logging(level: str = "info", *, json: bool | None = None) -> None:
    """Configure structlog once for the process.

    Args:
        level: minimum level name (debug, info, warning, error).
        json: force JSON (True) or console (False) output; default: JSON unless stderr is a TTY.
    """
    use_json = (not sys.stderr.isatty()) if json is None else json
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer(sort_keys=True)
        if use_json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS.get(level, logging.INFO)),
        # One write per line (PrintLogger's print() makes two): serve's worker process logs
        # to the same stderr, and two writers must not interleave inside a line.
        logger_factory=structlog.WriteLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
