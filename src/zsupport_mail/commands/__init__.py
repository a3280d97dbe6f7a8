"""CLI command implementations, grouped by subject; cli.py parses arguments and dispatches."""
