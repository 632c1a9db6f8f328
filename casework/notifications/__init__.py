"""Outgoing messages: an outbox written in the same transaction, delivered by a worker."""
