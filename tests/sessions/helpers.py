"""What the needs and sessions tests share: request bodies, and readers for what an auditor would see
(the calendar, the people and the inbox are in tests/fixtures.py)."""

from sqlalchemy import func, select

from app.activities.models import Activity, Series, Signup
from app.core.audit import AuditEntry
from app.extensions import db
from app.notify.models import Message
from tests.fixtures import VILLAGE, at


def session_body(**overrides) -> dict:
    body = {
        "kind": "night_school",
        "topic": "law",
        "title": "青年夜校：法律常识",
        "village": VILLAGE,
        "starts_at": at(8, 19, 30).isoformat(),
        "ends_at": at(8, 21, 30).isoformat(),
        "capacity": 3,
    }
    return {**body, **overrides}


def need_body(**overrides) -> dict:
    body = {
        "area": "education",
        "title": "周末课业辅导",
        "description": "为留守儿童辅导作业",
        "village": VILLAGE,
        "starts_at": at(5, 9).isoformat(),
        "ends_at": at(5, 12).isoformat(),
        "slots": 2,
    }
    return {**body, **overrides}


def row_counts(app) -> dict[str, int]:
    """How many rows each table the activities write to holds: "nothing half-written" checks."""
    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Activity, Series, Signup, AuditEntry, Message)
        }


def audit_trail(app, object_type: str, object_id) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == object_type, AuditEntry.object_id == str(object_id))
            .order_by(AuditEntry.id)
        )
        return [
            {"action": r.action, "actor": r.actor_id, "before": r.before, "after": r.after, "region": r.region_code}
            for r in rows
        ]


def series_ids(app, series_id: int) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Activity.id).where(Activity.series_id == series_id).order_by(Activity.occurrence_start)
            )
        )
