"""``python -m zsupport_mail`` runs the CLI."""

import sys

from zsupport_mail.cli.main import main

if __name__ == "__main__":  # not when a spawned child process imports this module
    sys.exit(main())
