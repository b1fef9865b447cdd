"""Relay posts (扶贫接力): a weekly need marked relay, materialised far enough ahead for the dispatcher, and its
coverage as its secretary and county staff read it: weeks, weeks covered, and the gaps."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.activities import series as series_ops
from app.activities.models import Activity, Series
from app.core import clock
from app.extensions import db
from tests.contract import assert_error, created
from tests.dispatch.helpers import approved_need, offer
from tests.fixtures import NOW, at
from tests.sessions.helpers import audit_trail, need_body

WEEKLY = "FREQ=WEEKLY;BYDAY=SA;COUNT=52"


def relay_need(api, secretary, county, **overrides) -> dict:
    """扶贫接力 in 小店村: one volunteer every Saturday 09:00–12:00 from 5 December, approved by the county."""
    return approved_need(
        api, secretary, county, title="扶贫接力：周末值守", slots=1, recurrence=WEEKLY, relay=True, **overrides
    )


def occurrences(app, series_id) -> list[Activity]:
    with app.app_context():
        found = list(
            db.session.scalars(select(Activity).where(Activity.series_id == series_id).order_by(Activity.starts_at))
        )
        db.session.expunge_all()
        return found


def coverage(api, token, series_id):
    return api.as_(token).get(f"/needs/series/{series_id}/coverage")


def test_a_relay_need_is_marked_on_its_series_and_every_occurrence(app, api, secretary, county):
    need = relay_need(api, secretary, county)

    assert need["relay"] is True and need["series_id"]
    found = occurrences(app, need["series_id"])
    assert found and all(a.relay for a in found)
    with app.app_context():
        assert db.session.get_one(Series, need["series_id"]).relay is True
    assert {"relay": True} in [entry["after"] for entry in audit_trail(app, "series", need["series_id"])]
    # An ordinary weekly need is not a relay.
    plain = created(api.as_(secretary).post("/needs", need_body(recurrence=WEEKLY)))
    assert plain["relay"] is False
    assert not any(a.relay for a in occurrences(app, plain["series_id"]))


def test_relay_series_are_materialised_at_least_the_relay_horizon_ahead(app, api, secretary, county, monkeypatch):
    monkeypatch.setitem(app.config, "SERIES_WINDOW_WEEKS", 2)
    monkeypatch.setitem(app.config, "DISPATCH_RELAY_WEEKS_AHEAD", 5)
    relay = relay_need(api, secretary, county)
    plain = approved_need(api, secretary, county, recurrence=WEEKLY)

    def last_start(need):
        return max(a.starts_at for a in occurrences(app, need["series_id"]))

    assert last_start(plain) < NOW + timedelta(weeks=2) <= last_start(relay) + timedelta(weeks=1)
    assert last_start(relay) > NOW + timedelta(weeks=4)
    # As the weeks pass the bot keeps each series its own distance ahead.
    later = NOW + timedelta(weeks=3)
    clock.freeze(later)
    with app.app_context():
        series_ops.extend_all_series(later)
        db.session.commit()
    assert last_start(plain) < later + timedelta(weeks=2)
    assert last_start(relay) > later + timedelta(weeks=4)
    assert all(a.relay for a in occurrences(app, relay["series_id"]))


@pytest.mark.parametrize(
    "recurrence",
    [None, "FREQ=DAILY;COUNT=30", "FREQ=WEEKLY;INTERVAL=2;COUNT=10", "FREQ=WEEKLY;BYDAY=SA,SU;COUNT=10"],
)
def test_a_relay_repeats_once_every_week(api, secretary, recurrence):
    body = need_body(relay=True) | ({"recurrence": recurrence} if recurrence else {})

    assert_error(api.as_(secretary).post("/needs", body), 422, "validation_failed", "relay")


def test_coverage_counts_weeks_covered_and_gaps(app, api, secretary, county, people):
    need = relay_need(api, secretary, county)
    first, second, third, fourth = (a.id for a in occurrences(app, need["series_id"])[:4])
    # 5 December: a volunteer signed up; 12 December: an offer is out; 19 December: nobody; 26 December: cancelled.
    assert api.as_(people[0]).post(f"/needs/{first}/signups").status_code == 201
    offer(app, api, people[1], second)
    assert api.as_(secretary).post(f"/needs/{fourth}/cancel", {"reason": "村里停电"}).status_code == 200

    answer = coverage(api, secretary, need["series_id"])

    assert answer.status_code == 200, answer.json
    # The horizon is four weeks from 1 December: the Saturdays 5, 12, 19 and 26 December, one cancelled.
    assert answer.json == {
        "series_id": need["series_id"],
        "weeks": 3,
        "covered": 1,
        "gaps": [{"activity_id": third, "starts_at": "2026-12-19T09:00:00+08:00"}],
        "until": "2026-12-29T09:00:00+08:00",
    }
    assert coverage(api, county, need["series_id"]).json == answer.json


def test_a_week_that_passed_uncovered_stays_a_gap_and_a_covered_one_stays_covered(
    app, api, secretary, county, hire, people
):
    need = relay_need(api, secretary, county)
    first, second = (a.id for a in occurrences(app, need["series_id"])[:2])
    assert api.as_(people[0]).post(f"/needs/{first}/signups").status_code == 201
    offer(app, api, people[1], second, hours=1)  # expires unanswered long before the week passes

    clock.freeze(at(14, 9))  # Monday after both Saturdays
    answer = coverage(api, hire.staff("140105"), need["series_id"]).json

    # Through 11 January: 5, 12, 19, 26 December and 2, 9 January.
    assert answer["weeks"] == 6 and answer["covered"] == 1
    assert [g["activity_id"] for g in answer["gaps"]][:1] == [second]
    assert len(answer["gaps"]) == 5


def test_coverage_is_for_the_village_secretary_and_staff_in_scope_only(app, api, secretary, county, hire, people):
    need = relay_need(api, secretary, county)
    series_id = need["series_id"]

    assert coverage(api, hire.staff("140000"), series_id).status_code == 200  # the province sees every village
    assert_error(coverage(api, hire.staff("140106"), series_id), 404, "series_not_found")
    assert_error(coverage(api, hire.secretary("140105001002")[0], series_id), 404, "series_not_found")
    assert_error(coverage(api, people[0], series_id), 403, "forbidden")
    assert_error(coverage(api, county, series_id + 1000), 404, "series_not_found")
    plain = approved_need(api, secretary, county, recurrence=WEEKLY)
    assert_error(coverage(api, county, plain["series_id"]), 409, "not_relay")
