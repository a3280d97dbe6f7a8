"""zsupport-mail: turns a Zultys MX support desk's inbox into tickets.

``main`` parses the command line (``parser``), reads the configuration and runs one command
function; the commands live in ``system``, ``messages``, ``tickets``, ``contacts``, ``sla``,
``outage`` and their neighbours and are imported only when they run (``commands``).

Exit codes: 0 success, 1 a command-level failure (e.g. no such ticket), 2 bad configuration,
3 the database schema is behind. Machine output (``--json``, ``ingest``) goes to stdout; logs
go to stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from zsupport_mail.cli.commands import EXIT_CONFIG, EXIT_FAILURE, EXIT_SCHEMA, CommandError
from zsupport_mail.cli.parser import build_parser
from zsupport_mail.db.errors import SchemaBehindError
from zsupport_mail.runtime.logs import configure_logging
from zsupport_mail.settings import ConfigError, config_path, load_settings

__all__ = ["build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(config_path(args.config))
    except ConfigError as exc:
        print("configuration error:\n  " + "\n  ".join(exc.problems), file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.log_level)
    try:
        return int(args.func(settings, args))
    except SchemaBehindError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_SCHEMA
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except BrokenPipeError:  # output piped into `head` and closed early: not an error
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
