"""Reminders before sign-ups, the secretaries' evening digest, and "can't come"."""
