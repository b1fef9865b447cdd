"""What the reminders tests share: a session a week ahead, and running the bot's job at a moment."""

from app.core import clock
from app.extensions import db
from app.reminders import operations
from tests.contract import created
from tests.fixtures import at
from tests.sessions.helpers import session_body


def run_at(app, moment) -> int:
    """The bot's reminders job at `moment`, committed as the bot commits it."""
    clock.freeze(moment)
    with app.app_context():
        queued = operations.queue_due()
        db.session.commit()
    return queued


def schedule(api, secretary, **overrides) -> int:
    """A night-school session on 8 December 2026, 19:30 to 21:30, in 小店村."""
    return created(api.as_(secretary).post("/sessions", session_body(**overrides)))["id"]


def sign_up(api, token, session_id) -> dict:
    return created(api.as_(token).post(f"/sessions/{session_id}/signups"))


START = at(8, 19, 30)
