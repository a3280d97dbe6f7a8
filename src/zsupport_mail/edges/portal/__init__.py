"""The web portal: clients sign in by a mailed link and see and complete their tickets; staff
work the queue. A Starlette app served by uvicorn inside ``serve``'s event loop (server.py).

What a web form writes goes into the inbox as a mail from the signed-in person (source
``web``), so intake, scoring, the journey and the replies are exactly those of mail.
"""

from __future__ import annotations

from zsupport_mail.edges.portal.app import build_app
from zsupport_mail.edges.portal.server import PortalServer

__all__ = ["PortalServer", "build_app"]
