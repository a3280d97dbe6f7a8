"""zsupport-mail: turns a Zultys MX support desk's inbox into tickets.

The parts, in the order a message meets them (imports point down this list; nothing imports
``runtime`` or ``cli``):

- ``edges``: where mail and people come in (SMTP listener, IMAP poller, web portal);
- ``queues``: the durable inbox, the outbox, the journey of each message;
- ``mail``: reading and writing RFC 5322 messages (parsing, addresses, tokens, replies);
- ``contacts``: who may open tickets, and since when;
- ``intake``: pure rules that decide what a mail is and what to do with it;
- ``scoring``: pure rules that read a report for the contract's required information;
- ``sla``: pure rules for the contract's time targets on each client's calendar;
- ``handlers``: the named steps of one message's transaction;
- ``db``: models, sessions, migrations, repositories;
- ``settings``: the typed configuration and its loader;
- ``runtime``: ``serve`` and its child processes, scheduler, health, reload;
- ``cli``: the ``zsupport-mail`` command.
"""

__version__ = "0.1.0"
