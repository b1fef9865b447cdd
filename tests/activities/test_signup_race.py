"""Many volunteers race for a small session through the real HTTP stack on PostgreSQL: exactly
`capacity` are confirmed, the rest queue in a consistent order, and nobody sees a server error."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from app.activities.models import Activity, Signup
from app.core import clock
from app.extensions import db

pytestmark = [pytest.mark.real_commits]

CAPACITY = 3
RACERS = 16
ROUNDS = 5


@pytest.fixture
def http(live_server):
    session = requests.Session()

    def call(method, path, token=None, json=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return session.request(method, f"{live_server}/api/v1{path}", json=json, headers=headers, timeout=30)

    return call


def _race(http, session_id, tokens):
    """Everyone presses 报名 at the same moment."""
    barrier = threading.Barrier(len(tokens))

    def press(token):
        barrier.wait()
        return http("POST", f"/sessions/{session_id}/signups", token)

    with ThreadPoolExecutor(len(tokens)) as pool:
        return list(pool.map(press, tokens))


def test_exactly_capacity_confirmed_under_concurrent_signups(app, build, http):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the race is proven on PostgreSQL; SQLite serialises writers")
    secretary, _ = build.secretary("140105001001")
    racers = [build.volunteer()[0] for _ in range(RACERS)]
    start = clock.now() + timedelta(days=3)

    for round_no in range(ROUNDS):
        created = http(
            "POST",
            "/sessions",
            secretary,
            {
                "kind": "lecture_hall",
                "topic": "policy",
                "title": f"政策宣讲第{round_no + 1}场",
                "village": "140105001001",
                "capacity": CAPACITY,
                "starts_at": (start + timedelta(hours=3 * round_no)).isoformat(),
                "ends_at": (start + timedelta(hours=3 * round_no + 2)).isoformat(),
            },
        )
        assert created.status_code == 201, created.text
        session_id = created.json()["id"]

        answers = _race(http, session_id, racers)

        assert [a.status_code for a in answers] == [201] * RACERS, [a.text for a in answers if a.status_code != 201]
        bodies = [a.json() for a in answers]
        confirmed = [b for b in bodies if b["status"] == "confirmed"]
        waitlisted = sorted((b for b in bodies if b["status"] == "waitlisted"), key=lambda b: b["id"])
        assert len(confirmed) == CAPACITY
        # Queue order is arrival order (the sign-up id); each position was told once, none skipped.
        assert sorted(b["position"] for b in waitlisted) == list(range(1, RACERS - CAPACITY + 1))
        assert [b["position"] for b in waitlisted] == list(range(1, RACERS - CAPACITY + 1))
        with app.app_context():
            activity = db.session.get(Activity, session_id)
            live = db.session.scalar(
                select(func.count())
                .select_from(Signup)
                .where(Signup.activity_id == session_id, Signup.status == "confirmed")
            )
            assert (activity.taken, live, activity.status) == (CAPACITY, CAPACITY, "filled")
