"""Broadcasts: staff notices to a chosen audience (region ∩ areas ∩ roles), resolved in bulk into the outbox."""
