"""What the broadcast tests share: people, request bodies, the bot's job, and readers for what staff,
volunteers and the audit trail see (the calendar and places are in tests/fixtures.py)."""

from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.broadcasts import operations as broadcasts
from app.core import clock
from app.core.audit import AuditEntry
from app.extensions import db
from app.notify.models import Allowance, Message
from config.templates import templates


class Person:
    def __init__(self, api, token: str):
        self.token = token
        self.user_id = api.as_(token).get("/me").json["id"]


def broadcast_body(**audience) -> dict:
    return {
        "title": "寒假支教动员",
        "body": "寒假支教报名开始，请教育队伍的志愿者留意本周的需求。",
        "audience": {"region": "140105", **audience},
    }


def post(api, token, body: dict):
    return api.as_(token).post("/broadcasts", body)


def inbox_titles(api, person: Person) -> list[str]:
    response = api.as_(person.token).get("/inbox", limit=100)
    assert response.status_code == 200, response.json
    return [message["title"] for message in response.json["items"]]


def show(api, token, broadcast_id: int) -> dict:
    response = api.as_(token).get(f"/broadcasts/{broadcast_id}")
    assert response.status_code == 200, response.json
    return response.json


def allow_pushes(app, *people: Person) -> None:
    """The people switched on the (long-term) broadcast template in the mini-program."""
    template_id = templates()["broadcast"]["template_id"]
    with app.app_context():
        for person in people:
            db.session.add(
                Allowance(
                    user_id=person.user_id,
                    template_id=template_id,
                    kind="long_term",
                    remaining=0,
                    active=True,
                    updated_at=clock.now(),
                )
            )
        db.session.commit()


def deliveries(app, broadcast_id: int) -> dict[int, str]:
    """user id → delivery of each message of the broadcast."""
    with app.app_context():
        rows = db.session.execute(select(Message.user_id, Message.delivery).where(Message.broadcast_id == broadcast_id))
        return dict(rows.all())


def deliver(app, person: Person, broadcast_id: int, outcome: str) -> None:
    """What the sender would write once it has tried to push the person's message."""
    with app.app_context():
        db.session.execute(
            update(Message)
            .where(Message.broadcast_id == broadcast_id, Message.user_id == person.user_id)
            .values(delivery=outcome)
        )
        db.session.commit()


def run_job(app, at: datetime) -> int:
    """The bot's broadcasts job at a given moment; it commits once, as the bot does."""
    clock.freeze(at)
    with app.app_context():
        resolved = broadcasts.resolve_due()
        db.session.commit()
    return resolved


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def audit_trail(app, broadcast_id: int) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == "broadcast", AuditEntry.object_id == str(broadcast_id))
            .order_by(AuditEntry.id)
        )
        return [{"action": r.action, "actor": r.actor_id, "before": r.before, "after": r.after} for r in rows]
