"""``python -m zsupport_mail`` runs the CLI."""

import sys

from zsupport_mail.cli import main

sys.exit(main())
