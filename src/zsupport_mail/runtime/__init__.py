"""The running daemon: ``serve`` wires the edges, the worker and sender child processes, the
scheduler, health and metrics, reload on SIGHUP, the instance lock and sd_notify.

- ``serve``: the event loop's tasks and start/stop order;
- ``loops``: the worker, sender and scheduler loops with their database back-off;
- ``workers``: the child processes that process and deliver;
- ``pipeline``: one inbox message from claim to finish (used by ``serve`` and ``ingest``);
- ``jobs``: periodic SLA work; ``reload``: SIGHUP; ``heartbeat``, ``monitoring``,
  ``metrics``: health; ``instance_lock``, ``notify``, ``logs``, ``clock``.

Nothing imports this package but ``cli``.
"""
