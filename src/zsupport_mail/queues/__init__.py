"""The durable queues: the inbox every message lands in before it is acknowledged, the outbox
every reply waits in until a relay takes it, the journey (what happened to a message, step by
step) and the queue status that ``status``, ``/healthz`` and the metrics read.
"""
