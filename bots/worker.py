"""Dispatch rounds in a worker process, so the bot's scheduler threads never wait behind a solve.

A province round holds numpy arrays of a million volunteers and runs the min-cost flow for seconds; in the bot's
own process that would hold the interpreter lock while the sender, the token refresher and the lease renewal
wait. The job thread instead starts a fresh interpreter (spawn: no forked locks or connections), which builds the
app from the same settings, runs the rounds, commits each and exits, taking its memory with it; the thread only
waits on a pipe. DISPATCH_IN_WORKER=False runs them in the calling thread (an in-memory test database cannot be
shared with another process).
"""

import multiprocessing
import pickle
from typing import Any

from flask import current_app

from app.dispatch import rounds
from app.extensions import db


def dispatch_rounds() -> int:
    """The hourly job: one round per county with open slots. Answers how many rounds ran."""
    if not current_app.config["DISPATCH_IN_WORKER"]:
        return rounds.run_scheduled()
    settings = _portable(current_app.config)
    db.session.commit()  # hold no transaction (SQLite: no lock) while the worker writes
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as worker:
        return int(worker.apply(_run_in_worker, (settings["MODE"], settings)))


def _run_in_worker(mode: str, settings: dict[str, Any]) -> int:
    from app import create_app  # the worker's own app, built from the bot's settings

    app = create_app(mode, **settings)
    with app.app_context():
        ran = rounds.run_scheduled()
        db.session.commit()
        return ran


def _portable(config: dict[str, Any]) -> dict[str, Any]:
    """The settings a worker needs to build the same app: every upper-case value that survives pickling."""
    portable = {}
    for key, value in config.items():
        if not key.isupper():
            continue
        try:
            pickle.dumps(value)
        except (pickle.PicklingError, TypeError, AttributeError):
            continue  # a live object (a client, a callable): the worker's app makes its own
        portable[key] = value
    return portable
