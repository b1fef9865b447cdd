"""The bot's own settings: config keys with defaults, and their environment variables.

`python -m bots` reads these variables itself (JSON for numbers), so the bot can be tuned without
touching the web app's configuration; a key set in the app config wins over the default here.
"""

import json
import os

DEFAULTS = {
    # Where the job list lives ("module:attribute").
    "BOT_JOBS": "bots.jobs:JOBS",
    # The lease's name (one per deployment that shares a database or Redis).
    "BOT_LEASE_NAME": "bots",
    # A standby takes over at most this long after the leader died; the leader renews every BOT_LEASE_RENEW_SECONDS.
    "BOT_LEASE_TTL_SECONDS": 30,
    "BOT_LEASE_RENEW_SECONDS": 10,
    # Jobs that may run at the same time (each job itself never overlaps with its own previous run).
    "BOT_WORKERS": 4,
    # The outbox job sends batches of this size while they come back full, for at most this long per run.
    "BOT_SEND_BATCH": 100,
    "BOT_SEND_DRAIN_SECONDS": 50,
}


def setting(config, name: str):
    return config.get(name, DEFAULTS[name])


def from_environment() -> dict:
    """Overrides for create_app from BOT_* environment variables that are set."""
    overrides = {}
    for name, default in DEFAULTS.items():
        raw = os.environ.get(name)
        if raw not in (None, ""):
            overrides[name] = raw if isinstance(default, str) else json.loads(raw)
    return overrides
