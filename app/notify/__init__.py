"""Notify: everything the system tells a person. One row per message is both the inbox item and
the outbox entry a sender delivers by WeChat push after the transaction that caused it commits."""
