"""An accept and many self sign-ups race for the last seats of a need through the real HTTP stack on
PostgreSQL: the held seat goes to the offered volunteer, the free one to exactly one racer, nobody else
gets in, the need is never overbooked, and nobody sees a server error."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from app.activities.models import Activity, Signup
from app.extensions import db
from tests.dispatch.helpers import approved_need, offer
from tests.fixtures import at

pytestmark = [pytest.mark.postgresql, pytest.mark.real_commits]

RACERS = 12
ROUNDS = 3


@pytest.fixture
def http(live_server):
    session = requests.Session()

    def call(method, path, token=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return session.request(method, f"{live_server}/api/v1{path}", headers=headers, timeout=30)

    return call


def _race(http, presses):
    """Everyone presses at the same moment."""
    barrier = threading.Barrier(len(presses))

    def press(path_and_token):
        barrier.wait()
        return http("POST", *path_and_token)

    with ThreadPoolExecutor(len(presses)) as pool:
        return list(pool.map(press, presses))


def test_an_accept_and_self_sign_ups_never_overbook_nor_take_the_held_seat(app, api, secretary, county, people, http):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the race is proven on PostgreSQL; SQLite serialises writers")
    offered, racers = people[0], people[1 : RACERS + 1]
    for round_no in range(ROUNDS):
        day = 5 + round_no
        need = approved_need(
            api, secretary, county, slots=2, starts_at=at(day, 9).isoformat(), ends_at=at(day, 12).isoformat()
        )
        offer_id = offer(app, api, offered, need["id"])
        presses = [(f"/assignments/{offer_id}/accept", offered)]
        presses += [(f"/needs/{need['id']}/signups", token) for token in racers]
        answers = _race(http, presses)

        accepted, *signed = answers
        assert accepted.status_code == 200, accepted.text
        assert sorted(a.status_code for a in signed) == [201] + [409] * (RACERS - 1), [a.text for a in signed]
        assert {a.json()["error"]["code"] for a in signed if a.status_code == 409} == {"full"}
        with app.app_context():
            activity = db.session.get_one(Activity, need["id"])
            confirmed = db.session.scalar(
                select(func.count())
                .select_from(Signup)
                .where(Signup.activity_id == need["id"], Signup.status == "confirmed")
            )
            sources = sorted(
                db.session.scalars(
                    select(Signup.source).where(Signup.activity_id == need["id"], Signup.status == "confirmed")
                )
            )
        assert (activity.taken, activity.held, activity.status, confirmed) == (2, 0, "filled", 2)
        assert sources == ["dispatch", "self"]
