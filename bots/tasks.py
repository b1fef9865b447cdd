"""Bot-side wrappers where a domain function needs more than one call per run.

The outbox sender delivers one batch per call; a run every few seconds that sent a single batch
would cap delivery far below the configured send rate during a broadcast. `send_outbox` keeps
calling it while batches come back full, for at most BOT_SEND_DRAIN_SECONDS, and stops between
batches when the bot is asked to stop, so SIGTERM is not held up by a long drain.
"""

import time
from collections import Counter

from flask import current_app, g

from app.notify import sender


def send_outbox() -> dict[str, int]:
    batch = current_app.config["BOT_SEND_BATCH"]
    deadline = time.monotonic() + current_app.config["BOT_SEND_DRAIN_SECONDS"]
    totals: Counter = Counter()
    while True:
        counts = sender.send_due(batch=batch)
        totals.update(counts)
        if counts.get("claimed", 0) < batch or time.monotonic() >= deadline or _stopping():
            return dict(totals)


def _stopping() -> bool:
    """Whether the bot running this task was asked to stop (set by bots.runner; absent outside the bot)."""
    stopping = g.get("bot_stopping")
    return stopping is not None and stopping.is_set()
