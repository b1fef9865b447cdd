"""One set of sign-up rules, two writers: on PostgreSQL a sign-up is one call of the database function
(app/activities/sql/sign_up_v2.sql), elsewhere the Python path applies the rules. Here both run on the
same cases, each in a world of its own, and must answer the same and write the same sign-up, audit and
message rows (ids and write times aside)."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.activities import signups
from app.activities.models import Activity, Signup
from app.core import auth, clock
from app.core.audit import AuditEntry
from app.core.clock import SERVICE_ZONE
from app.core.errors import AppError
from app.extensions import db
from app.notify.models import Message

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=SERVICE_ZONE)
VILLAGE = "140105001001"

#: label: (type, status, capacity, starts after NOW, hours long)
ACTIVITIES = {
    "night_school": ("session", "open", 1, timedelta(days=2, hours=10), 2),
    "overlapping": ("session", "open", 5, timedelta(days=2, hours=11), 2),
    "tutoring": ("need", "open", 1, timedelta(days=3), 3),
    "closing_soon": ("session", "open", 5, timedelta(minutes=90), 2),
    "under_way": ("session", "open", 5, -timedelta(minutes=30), 2),
    "cancelled": ("session", "cancelled", 5, timedelta(days=4), 2),
    "awaiting_review": ("need", "pending_review", 5, timedelta(days=4), 2),
    "held_need": ("need", "open", 1, timedelta(days=5), 2),
    "half_held": ("need", "open", 2, timedelta(days=6), 2),
}
#: Seats held by open dispatch offers: not for self sign-up.
HELD = {"held_need": 1, "half_held": 1}

#: (volunteer, activity, waitlist, source) in order; what each is answered is compared, not asserted.
CASES = [
    ("v1", "night_school", True, "self"),  # confirmed
    ("v2", "night_school", True, "self"),  # waitlisted, 1st
    ("v3", "night_school", True, "self"),  # waitlisted, 2nd
    ("v1", "night_school", True, "self"),  # duplicate → 409 already_signed_up
    ("v1", "tutoring", False, "self"),  # confirmed
    ("v2", "tutoring", False, "self"),  # a full need has no waitlist → 409 full
    ("v1", "overlapping", True, "self"),  # clashes with v1's confirmed seat → 409 time_conflict
    ("v2", "overlapping", True, "self"),  # a waitlisted place is no clash → confirmed
    ("v3", "overlapping", True, "dispatch"),  # an accepted offer takes its seat the same way
    ("v3", "closing_soon", True, "self"),  # → 409 signup_closed
    ("v3", "under_way", True, "self"),  # → 409 signup_closed
    ("v3", "cancelled", True, "self"),  # → 409 activity_cancelled
    ("v3", "awaiting_review", True, "self"),  # not visible to a volunteer → 404
    ("v1", "held_need", False, "self"),  # its one seat is held by an offer → 409 full
    ("v2", "half_held", False, "self"),  # one free unheld seat → confirmed
    ("v3", "half_held", False, "self"),  # the other is held → 409 full
]

EXPECTED_ANSWERS = [
    ("confirmed", None),
    ("waitlisted", 1),
    ("waitlisted", 2),
    (409, "already_signed_up"),
    ("confirmed", None),
    (409, "full"),
    (409, "time_conflict"),
    ("confirmed", None),
    ("confirmed", None),
    (409, "signup_closed"),
    (409, "signup_closed"),
    (409, "activity_cancelled"),
    (404, "need_not_found"),
    (409, "full"),
    ("confirmed", None),
    (409, "full"),
]


@pytest.fixture(autouse=True)
def postgresql_only(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the database function exists on PostgreSQL only")


def test_the_database_function_and_the_python_path_answer_and_write_the_same(app, build, api):
    clock.freeze(NOW)
    worlds = [_world(app, build, api) for _ in range(2)]
    in_database = _run(app, worlds[0], signups.sign_up)
    in_python = _run(app, worlds[1], signups.sign_up_in_python)

    assert in_database == in_python == EXPECTED_ANSWERS
    written = [_written(app, world) for world in worlds]
    assert written[0] == written[1]
    assert [len(rows) for rows in written[0].values()] == [7, 7, 7]  # sign-ups, audit rows, messages
    assert (
        _seats(app, worlds[0])
        == _seats(app, worlds[1])
        == {"held_need": (0, 1, "filled"), "half_held": (1, 1, "filled")}
    )


def _world(app, build, api) -> dict:
    """Three volunteers and the activities, with labels for every id the rows will name."""
    users = {f"v{n}": api.as_(build.volunteer()[0]).get("/me").json["id"] for n in (1, 2, 3)}
    with app.app_context():
        activities = {
            label: _activity(users["v1"], *spec, held=HELD.get(label, 0)) for label, spec in ACTIVITIES.items()
        }
        db.session.commit()
        volunteers = {label: auth.build_principal(user).volunteer_id for label, user in users.items()}
        return {
            "users": users,
            "activities": {label: (a.id, a.type) for label, a in activities.items()},
            "volunteers": volunteers,
        }


def _activity(
    created_by: int, type_: str, status: str, capacity: int, after: timedelta, hours: int, *, held: int = 0
) -> Activity:
    starts = NOW + after
    activity = Activity(
        type=type_,
        village_code=VILLAGE,
        title="青年夜校：法律常识" if type_ == "session" else "周末课业辅导",
        description="",
        area="education" if type_ == "need" else None,
        kind="night_school" if type_ == "session" else None,
        topic="law" if type_ == "session" else None,
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        capacity=capacity,
        taken=0,
        held=held,
        status="filled" if held >= capacity else status,
        created_by=created_by,
        created_at=NOW - timedelta(days=7),
        updated_at=NOW - timedelta(days=7),
    )
    db.session.add(activity)
    db.session.flush()
    return activity


def _seats(app, world: dict) -> dict[str, tuple[int, int, str]]:
    with app.app_context():
        found = {}
        for label in HELD:
            activity = db.session.get_one(Activity, world["activities"][label][0])
            found[label] = (activity.taken, activity.held, activity.status)
        return found


def _run(app, world: dict, sign_up) -> list[tuple]:
    answers = []
    for volunteer, label, waitlist, source in CASES:
        activity_id, type_ = world["activities"][label]
        with app.test_request_context():
            principal = auth.build_principal(world["users"][volunteer])
            auth.act_as(principal)  # the audit trail names the caller, as in a request
            try:
                signup, position = sign_up(principal, type_, activity_id, waitlist=waitlist, source=source)
                answers.append((signup.status, position))
            except AppError as error:
                answers.append((error.status, error.code))
            db.session.commit()
    return answers


def _written(app, world: dict) -> dict[str, list]:
    """The world's sign-up, audit and message rows, each id replaced by its label."""
    activity_ids = {activity_id: label for label, (activity_id, _) in world["activities"].items()}
    volunteers = {volunteer_id: label for label, volunteer_id in world["volunteers"].items()}
    users = {user_id: label for label, user_id in world["users"].items()}
    with app.app_context():
        rows = db.session.scalars(select(Signup).where(Signup.activity_id.in_(activity_ids)).order_by(Signup.id))
        signup_rows = list(rows)
        signup_labels = {signup.id: f"signup{n}" for n, signup in enumerate(signup_rows, 1)}
        audit = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == "signup", AuditEntry.object_id.in_([str(i) for i in signup_labels]))
            .order_by(AuditEntry.id)
        )
        messages = db.session.scalars(
            select(Message).where(Message.user_id.in_(users), Message.purpose == "signup_result").order_by(Message.id)
        )
        return {
            "signups": [
                (
                    activity_ids[s.activity_id],
                    volunteers[s.volunteer_id],
                    s.status,
                    s.source,
                    s.starts_at,
                    s.ends_at,
                    s.cancel_reason,
                )
                for s in signup_rows
            ],
            "audit": [
                (
                    users.get(a.actor_id),
                    a.action,
                    signup_labels[int(a.object_id)],
                    a.region_code,
                    a.before,
                    {**a.after, "activity": activity_ids[a.after["activity"]]},
                )
                for a in audit
            ],
            "messages": [
                (
                    users[m.user_id],
                    m.purpose,
                    _key(m.key, activity_ids, signup_labels, volunteers),
                    m.title,
                    m.body,
                    _link(m.link, activity_ids),
                    m.fields,
                    m.delivery,
                    m.attempts,
                    m.next_attempt_at is not None,
                    m.read_at,
                    m.broadcast_id,
                )
                for m in messages
            ],
        }


def _key(key: str, activities: dict, signups_: dict, volunteers: dict) -> str:
    type_, activity_id, status, signup_id, volunteer_id = key.split(":")
    parts = [type_, activities[int(activity_id)], status, signups_[int(signup_id)], volunteers[int(volunteer_id)]]
    return ":".join(parts)


def _link(link: str, activities: dict) -> str:
    type_, activity_id = link.split(":")
    return f"{type_}:{activities[int(activity_id)]}"
