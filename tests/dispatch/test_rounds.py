"""A dispatch round: open slots offered to the suitable volunteers nearest them, priority regions first,
one offer per volunteer per round; staff run rounds in their scope; a decline or an expiry is re-offered
to the next best at once, and nobody is asked for a declined slot again."""

from contextlib import contextmanager

import pytest
from sqlalchemy import select

from app.core import clock
from app.core.audit import AuditEntry
from app.dispatch import offers, rounds
from app.dispatch.eligibility import DEFAULT_WEIGHTS
from app.dispatch.models import DispatchRound, Offer
from app.extensions import db
from app.regions.models import Region
from tests.contract import assert_error, created
from tests.dispatch.helpers import approved_need, seats
from tests.fixtures import at

VILLAGE = "140105001001"  # 小店村
TOWNSHIP_VILLAGE = "140105001002"  # 西温庄村, the same township
COUNTY_VILLAGE = "140105002001"  # 坞城村, the same county
OTHER_COUNTY = "140106001001"  # 迎泽村, another county of the city


def volunteer(build, home=VILLAGE, **overrides) -> str:
    return build.volunteer(home_region=home, **overrides)[0]


def assignments(api, token) -> list[dict]:
    response = api.as_(token).get("/assignments/me")
    assert response.status_code == 200, response.json
    return response.json["items"]


def open_offers(api, token) -> list[dict]:
    return [item for item in assignments(api, token) if item["status"] == "offered"]


def post_round(api, token, **body):
    return api.as_(token).post("/dispatch/rounds", body)


def run(api, county) -> dict:
    return created(post_round(api, county))


@contextmanager
def flagged(app, code: str, **flags):
    """Region flags for one test (the regions table outlives tests)."""
    with app.app_context():
        region = db.session.get_one(Region, code)
        before = {name: getattr(region, name) for name in flags}
        for name, value in flags.items():
            setattr(region, name, value)
        db.session.commit()
    try:
        yield
    finally:
        with app.app_context():
            region = db.session.get_one(Region, code)
            for name, value in before.items():
                setattr(region, name, value)
            db.session.commit()


def test_a_round_offers_to_the_suitable_near_volunteers_only(app, api, build, secretary, county):
    need = approved_need(api, secretary, county, slots=5, skills=["支教"])
    same_village = volunteer(build)
    same_township = volunteer(build, TOWNSHIP_VILLAGE)
    same_county = volunteer(build, COUNTY_VILLAGE)
    unsuitable = [
        volunteer(build, OTHER_COUNTY),  # too far (another county, more than 72 h ahead)
        volunteer(build, areas=["medical"]),  # not in the education team
        volunteer(build, skills=["医疗"]),  # lacks the skill
        volunteer(build, availability=[{"weekday": 7, "start": "09:00", "end": "17:00"}]),  # Sundays only
        volunteer(build, availability=[{"weekday": 6, "start": "10:00", "end": "17:00"}]),  # not from 09:00
    ]

    answer = run(api, county)

    assert answer["slots"] == 5 and answer["offers"] == 3 and answer["filled"] == 0
    (near,) = open_offers(api, same_village)
    assert near["need"]["id"] == need["id"]
    assert near["why"] == "同村、技能匹配、近期服务较少、服务队队员"
    assert open_offers(api, same_township)[0]["why"].startswith("同乡镇、")
    assert open_offers(api, same_county)[0]["why"].startswith("同县、")
    for token in unsuitable:
        assert assignments(api, token) == []
    assert seats(app, need["id"]) == (0, 3, "open")
    # The cost is the sum of the reach costs (the fairness and reliability terms are zero here).
    assert answer["cost"] == sum(DEFAULT_WEIGHTS["reach"][:3])


def test_the_nearest_get_the_seats_and_a_full_need_is_filled(app, api, build, secretary, county):
    need = approved_need(api, secretary, county, slots=1)
    far = volunteer(build, COUNTY_VILLAGE)
    near = volunteer(build)

    answer = run(api, county)

    assert (answer["offers"], answer["filled"]) == (1, 1)
    assert len(open_offers(api, near)) == 1 and assignments(api, far) == []
    assert seats(app, need["id"]) == (0, 1, "filled")
    # Nothing left to offer: a second round makes none.
    assert run(api, county)["offers"] == 0


def test_a_poor_village_wins_when_volunteers_are_scarce(app, api, build, hire, secretary, county):
    here = approved_need(api, secretary, county, slots=1)
    other_secretary = hire.secretary(COUNTY_VILLAGE)[0]
    with flagged(app, COUNTY_VILLAGE, poor_village=True):
        poor = approved_need(api, other_secretary, county, slots=1, village=COUNTY_VILLAGE)
        only = volunteer(build, TOWNSHIP_VILLAGE)  # nearer 小店村 (same township) than 坞城村 (same county)

        run(api, county)

        (item,) = open_offers(api, only)
        assert item["need"]["id"] == poor["id"]
        assert seats(app, here["id"]) == (0, 0, "open")


def test_a_deep_poverty_county_wins_when_volunteers_are_scarce(app, api, build, hire, county):
    # Two needs starting within 72 hours (the reach widens to the city): one in 小店区, one in 迎泽区.
    soon = {"starts_at": at(3, 9).isoformat(), "ends_at": at(3, 12).isoformat(), "slots": 1}
    here = approved_need(api, hire.secretary(VILLAGE)[0], county, **soon)
    other_county = hire.staff("140106")
    with flagged(app, "140106", deep_poverty=True):
        deep = approved_need(api, hire.secretary(OTHER_COUNTY)[0], other_county, village=OTHER_COUNTY, **soon)
        only = volunteer(build, availability=[{"weekday": 4, "start": "08:00", "end": "18:00"}])

        created(post_round(api, hire.staff("140100")))

        (item,) = open_offers(api, only)
        assert item["need"]["id"] == deep["id"]
        assert seats(app, here["id"]) == (0, 0, "open")


def test_one_offer_per_volunteer_per_round_and_never_two_overlapping(app, api, build, secretary, county):
    morning = approved_need(api, secretary, county, slots=1)
    overlapping = approved_need(
        api, secretary, county, slots=1, starts_at=at(5, 10).isoformat(), ends_at=at(5, 13).isoformat()
    )
    afternoon = approved_need(
        api,
        secretary,
        county,
        slots=1,
        title="下午课业辅导",
        starts_at=at(5, 14).isoformat(),
        ends_at=at(5, 16).isoformat(),
    )
    only = volunteer(build)

    first = run(api, county)
    second = run(api, county)
    third = run(api, county)

    assert (first["offers"], second["offers"], third["offers"]) == (1, 1, 0)
    offered = sorted(item["need"]["id"] for item in open_offers(api, only))
    assert len(offered) == 2 and afternoon["id"] in offered
    assert {morning["id"], overlapping["id"]} & set(offered) and not {morning["id"], overlapping["id"]} <= set(offered)


def test_open_offers_are_capped(app, api, build, secretary, county, monkeypatch):
    monkeypatch.setitem(app.config, "DISPATCH_MAX_OPEN_OFFERS", 1)
    approved_need(api, secretary, county, slots=1)
    approved_need(api, secretary, county, slots=1, starts_at=at(5, 14).isoformat(), ends_at=at(5, 16).isoformat())
    only = volunteer(build)

    assert [run(api, county)["offers"] for _ in range(2)] == [1, 0]
    assert len(open_offers(api, only)) == 1


def test_paused_and_withdrawn_volunteers_and_needs_beyond_the_horizon_get_nothing(
    app, api, build, secretary, county, monkeypatch
):
    approved_need(api, secretary, county, slots=3)
    paused = volunteer(build)
    assert api.as_(paused).patch("/volunteers/me", {"offers_paused": True}).status_code == 200
    monkeypatch.setitem(app.config, "DISPATCH_HORIZON_DAYS", 3)
    volunteer(build)

    assert run(api, county)["slots"] == 0
    monkeypatch.setitem(app.config, "DISPATCH_HORIZON_DAYS", 14)
    assert run(api, county)["offers"] == 1
    assert assignments(api, paused) == []


def test_decline_offers_the_seat_to_the_next_best_at_once(app, api, build, secretary, county):
    need = approved_need(api, secretary, county, slots=1)
    first, second, third = volunteer(build), volunteer(build, TOWNSHIP_VILLAGE), volunteer(build, COUNTY_VILLAGE)
    run(api, county)
    (offer,) = open_offers(api, first)

    assert api.as_(first).post(f"/assignments/{offer['id']}/decline").status_code == 200

    (next_offer,) = open_offers(api, second)
    assert next_offer["need"]["id"] == need["id"] and next_offer["why"].startswith("同乡镇")
    assert assignments(api, third) == []
    assert seats(app, need["id"]) == (0, 1, "filled")
    assert api.as_(second).post(f"/assignments/{next_offer['id']}/decline").status_code == 200
    assert len(open_offers(api, third)) == 1
    (last,) = open_offers(api, third)
    assert api.as_(third).post(f"/assignments/{last['id']}/decline").status_code == 200
    # Everyone declined: nobody is asked again, in a re-offer or in a round.
    assert run(api, county)["offers"] == 0
    for token in (first, second, third):
        assert open_offers(api, token) == []
    assert seats(app, need["id"]) == (0, 0, "open")


def test_expiry_offers_the_seat_to_the_next_best(app, api, build, secretary, county):
    need = approved_need(api, secretary, county, slots=1)
    first, second = volunteer(build), volunteer(build, TOWNSHIP_VILLAGE)
    run(api, county)
    (offer,) = open_offers(api, first)
    assert offer["expires_at"] == "2026-12-02T09:00:00+08:00"

    clock.freeze(at(2, 10))
    with app.app_context():
        assert offers.expire_due() == 1
        db.session.commit()

    assert [item["status"] for item in assignments(api, first)] == ["expired"]
    (next_offer,) = open_offers(api, second)
    assert next_offer["need"]["id"] == need["id"] and next_offer["expires_at"] == "2026-12-03T10:00:00+08:00"
    assert seats(app, need["id"]) == (0, 1, "filled")


def test_the_rounds_figures_in_the_api_and_the_audit(app, api, build, secretary, county):
    approved_need(api, secretary, county, slots=2)
    volunteer(build)

    answer = run(api, county)

    assert set(answer) == {"id", "slots", "offers", "filled", "cost", "seconds"}
    assert (answer["slots"], answer["offers"], answer["filled"], answer["cost"]) == (2, 1, 0, 0)
    listing = api.as_(county).get("/dispatch/rounds")
    assert listing.status_code == 200, listing.json
    (item,) = listing.json["items"]
    assert item == api.as_(county).get(f"/dispatch/rounds/{answer['id']}").json
    assert item["region"] == "140105" and item["solver_status"] == "OPTIMAL"
    assert (item["volunteers"], item["edges"], item["offers"]) == (1, 1, 1)
    assert item["peak_memory_kb"] > 0 and item["started_by"] is not None
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "dispatch_round")).one()
        assert entry.object_id == str(answer["id"]) and entry.after["offers"] == 1
        offer = db.session.scalars(select(Offer)).one()
        assert offer.round_id == answer["id"] and offer.terms["reach_level"] == 0


def test_staff_run_and_see_rounds_in_their_scope_only(app, api, build, hire, secretary, county, people):
    approved_need(api, secretary, county, slots=1)
    other = hire.staff("140106")

    assert_error(post_round(api, county, region="140106"), 403, "out_of_scope")
    assert_error(post_round(api, other, region="140105"), 403, "out_of_scope")
    assert post_round(api, county, region="1401").status_code == 422
    assert post_round(api, people[0]).status_code == 403
    mine = run(api, county)
    township = created(post_round(api, county, region="140105001"))
    theirs = run(api, other)

    assert [r["id"] for r in api.as_(county).get("/dispatch/rounds").json["items"]] == [township["id"], mine["id"]]
    assert [r["id"] for r in api.as_(other).get("/dispatch/rounds").json["items"]] == [theirs["id"]]
    assert api.as_(other).get(f"/dispatch/rounds/{mine['id']}").status_code == 404
    assert api.as_(people[0]).get("/dispatch/rounds").status_code == 403
    city = hire.staff("140100")
    assert len(api.as_(city).get("/dispatch/rounds").json["items"]) == 3
    assert created(post_round(api, city, region="140105"))["slots"] == 0


def test_the_bot_runs_a_round_per_county_with_open_slots(app, api, build, secretary, county):
    approved_need(api, secretary, county, slots=1)
    only = volunteer(build)

    with app.app_context():
        assert rounds.run_scheduled() == 1
        db.session.commit()
        record = db.session.scalars(select(DispatchRound)).one()
        assert (record.region_code, record.started_by, record.offers) == ("140105", None, 1)
    assert len(open_offers(api, only)) == 1


@pytest.mark.parametrize("hours, expected", [(24, "2026-12-02T09:00:00+08:00"), (200, "2026-12-05T07:00:00+08:00")])
def test_an_offer_expires_after_the_configured_hours_or_when_sign_up_closes(
    app, api, build, secretary, county, monkeypatch, hours, expected
):
    monkeypatch.setitem(app.config, "DISPATCH_OFFER_HOURS", hours)
    approved_need(api, secretary, county, slots=1)
    only = volunteer(build)
    run(api, county)
    assert open_offers(api, only)[0]["expires_at"] == expected


def test_a_cancelled_need_is_not_re_offered_but_a_paused_volunteers_seat_is(app, api, build, secretary, county):
    cancelled = approved_need(api, secretary, county, slots=1)
    kept = approved_need(
        api,
        secretary,
        county,
        slots=1,
        title="下午课业辅导",
        starts_at=at(5, 14).isoformat(),
        ends_at=at(5, 16).isoformat(),
    )
    first, second = volunteer(build), volunteer(build, TOWNSHIP_VILLAGE)
    run(api, county)
    assert {item["need"]["id"] for item in open_offers(api, first) + open_offers(api, second)} == {
        cancelled["id"],
        kept["id"],
    }

    assert api.as_(secretary).post(f"/needs/{cancelled['id']}/cancel", {"reason": "暴雨预警"}).status_code == 200
    assert seats(app, cancelled["id"]) == (0, 0, "cancelled")
    holder = first if open_offers(api, first) else second
    other = second if holder == first else first
    assert api.as_(holder).patch("/volunteers/me", {"offers_paused": True}).status_code == 200

    (moved,) = open_offers(api, other)
    assert moved["need"]["id"] == kept["id"]
    assert seats(app, kept["id"]) == (0, 1, "filled")
