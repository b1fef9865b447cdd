"""The round at scale keeps every rule: the bulk loader reads what the profiles say, the monthly cap and the
rest day filter single edges, fairness comes from the rollup, each slot keeps ranked next candidates that a
re-offer uses first, what a round chose is re-checked under the dispatch lock, and the bot runs rounds in a
worker process."""

import numpy as np
import pytest
from sqlalchemy import select

from app.core import clock
from app.dispatch import offers, pool, rounds
from app.dispatch.eligibility import day_masks
from app.dispatch.models import DispatchCandidate, DispatchRollup, Offer
from app.dispatch.pool import AREA_INDEX
from app.extensions import db
from app.volunteers.models import Volunteer
from tests.contract import created
from tests.dispatch.helpers import approved_need, volunteer_id
from tests.dispatch.test_rounds import COUNTY_VILLAGE, TOWNSHIP_VILLAGE, assignments, open_offers, run, volunteer
from tests.fixtures import at


def test_the_bulk_loader_reads_what_the_profiles_say(app, api, build, secretary, county):
    weekend = [{"weekday": 6, "start": "08:00", "end": "12:00"}, {"weekday": 7, "start": "14:00", "end": "18:30"}]
    skilled = volunteer(build, availability=weekend, skills=["ＰＰＴ 制作", "支教"], areas=["education", "medical"])
    plain = volunteer(build, TOWNSHIP_VILLAGE, skills=[], areas=["culture", "education"])
    outsider = volunteer(build, areas=["culture"])  # not in the need's area team: never read for it
    paused = volunteer(build)
    assert api.as_(paused).patch("/volunteers/me", {"offers_paused": True}).status_code == 200
    ids = [volunteer_id(app, api, token) for token in (skilled, plain)]
    need = approved_need(api, secretary, county, slots=1)

    with app.app_context():
        slots = rounds.load_slots("140105", clock.now())
        slot = next(s for s in slots if s.activity.id == need["id"])
        slot.spec.skills = ["ppt 制作"]
        found = rounds.load_pool([slot])
        at_ = found.positions(np.array(ids))
        assert (at_ >= 0).all() and found.positions(np.array([volunteer_id(app, api, paused)]))[0] == -1
        assert found.positions(np.array([volunteer_id(app, api, outsider)]))[0] == -1
        i, j = (int(k) for k in at_)
        assert found.masks[i].tolist() == day_masks(weekend).tolist()
        assert found.home_padded[j] == int(TOWNSHIP_VILLAGE) and found.home_digits[j] == 12
        assert found.teams[i] == (1 << AREA_INDEX["education"]) | (1 << AREA_INDEX["medical"])
        assert found.teams[j] == (1 << AREA_INDEX["culture"]) | (1 << AREA_INDEX["education"])
        assert found.skills["ppt 制作"].tolist()[i] and not found.skills["ppt 制作"].tolist()[j]
        assert found.monthly_cap[i] == -1

    # Joining and leaving teams keeps the derived bits right.
    assert api.as_(plain).post("/teams/education/members/me").status_code in (200, 201)
    assert api.as_(plain).delete("/teams/culture/members/me").status_code in (200, 204)
    with app.app_context():
        assert db.session.get_one(Volunteer, ids[1]).team_bits == 1 << AREA_INDEX["education"]


def test_the_monthly_hours_cap_counts_confirmed_sign_ups_and_open_offers(app, api, build, secretary, county):
    first = approved_need(api, secretary, county, slots=1)
    second = approved_need(
        api,
        secretary,
        county,
        slots=1,
        title="下午课业辅导",
        starts_at=at(12, 13).isoformat(),
        ends_at=at(12, 16).isoformat(),
    )
    capped = volunteer(build, availability=[{"weekday": 6, "start": "08:00", "end": "17:00"}])
    assert api.as_(capped).patch("/volunteers/me", {"monthly_hours_cap": 5}).status_code == 200
    assert api.as_(capped).post(f"/needs/{first['id']}/signups").json["status"] == "confirmed"

    # 3 confirmed hours this month + 3 offered would pass the volunteer's own cap of 5.
    assert run(api, county)["offers"] == 0
    assert api.as_(capped).patch("/volunteers/me", {"monthly_hours_cap": 6}).status_code == 200
    assert run(api, county)["offers"] == 1
    assert [o["need"]["id"] for o in open_offers(api, capped)] == [second["id"]]


def test_the_configured_monthly_cap_applies_to_those_without_their_own(app, api, build, secretary, county, monkeypatch):
    approved_need(api, secretary, county, slots=1)
    token = volunteer(build)
    monkeypatch.setitem(app.config, "DISPATCH_MONTHLY_HOURS", 2)
    assert run(api, county)["offers"] == 0
    monkeypatch.setitem(app.config, "DISPATCH_MONTHLY_HOURS", 3)
    assert run(api, county)["offers"] == 1 and len(open_offers(api, token)) == 1


def test_a_rest_day_after_a_long_service(app, api, build, secretary, county):
    long_day = approved_need(
        api, secretary, county, slots=1, starts_at=at(5, 8).isoformat(), ends_at=at(5, 15).isoformat()
    )
    next_morning = approved_need(
        api,
        secretary,
        county,
        slots=1,
        title="次日上午辅导",
        starts_at=at(6, 9).isoformat(),
        ends_at=at(6, 11).isoformat(),
    )
    week_later = approved_need(
        api,
        secretary,
        county,
        slots=1,
        title="下周辅导",
        starts_at=at(12, 9).isoformat(),
        ends_at=at(12, 11).isoformat(),
    )
    every_weekend = [{"weekday": 6, "start": "08:00", "end": "17:00"}, {"weekday": 7, "start": "08:00", "end": "17:00"}]
    token = volunteer(build, availability=every_weekend)
    assert api.as_(token).post(f"/needs/{long_day['id']}/signups").json["status"] == "confirmed"

    run(api, county)

    offered = {o["need"]["id"] for o in open_offers(api, token)}
    assert offered == {week_later["id"]} and next_morning["id"] not in offered


def test_fairness_prefers_who_served_less_in_the_last_90_days(app, api, build, secretary, county):
    busy, rested = volunteer(build), volunteer(build)
    with app.app_context():
        db.session.add(
            DispatchRollup(volunteer_id=volunteer_id(app, api, busy), half_hours_90d=60, refreshed_at=clock.now())
        )
        db.session.commit()
    approved_need(api, secretary, county, slots=1)

    run(api, county)

    assert len(open_offers(api, rested)) == 1 and assignments(api, busy) == []
    assert "近期服务较少" in open_offers(api, rested)[0]["why"]


def test_a_province_s_pool_reads_the_rollup_apart_and_finds_the_same_figures(
    app, api, build, secretary, county, monkeypatch
):
    served, fresh = volunteer(build), volunteer(build)
    need = approved_need(api, secretary, county, slots=1)
    ids = [volunteer_id(app, api, token) for token in (served, fresh)]
    with app.app_context():
        db.session.add(
            DispatchRollup(
                volunteer_id=ids[0],
                half_hours_90d=9,
                offers_90d=4,
                declines_90d=2,
                no_shows=1,
                refreshed_at=clock.now(),
            )
        )
        db.session.commit()
        slots = [s for s in rounds.load_slots("140105", clock.now()) if s.activity.id == need["id"]]

        def figures() -> list[list[int]]:
            found = rounds.load_pool(slots)
            at_ = found.positions(np.array(ids))
            assert (at_ >= 0).all()
            return [a[at_].tolist() for a in (found.half_hours_90d, found.offers_90d, found.declines, found.no_shows)]

        joined = figures()
        monkeypatch.setattr(pool, "APART_CITIES", 1)  # as for a round whose reach spans the province's cities
        assert figures() == joined == [[9, 0], [4, 0], [2, 0], [1, 0]]


def test_the_rollup_counts_confirmed_hours_and_offers(app, api, build, secretary, county):
    need = approved_need(
        api, secretary, county, slots=2, starts_at=at(1, 12).isoformat(), ends_at=at(1, 15).isoformat()
    )
    token = volunteer(build, availability=[{"weekday": 2, "start": "08:00", "end": "18:00"}])
    assert api.as_(token).post(f"/needs/{need['id']}/signups").json["status"] == "confirmed"
    clock.freeze(at(2, 9))
    with app.app_context():
        pool.refresh_rollup(clock.now())
        row = db.session.get_one(DispatchRollup, volunteer_id(app, api, token))
        assert (row.half_hours_90d, row.offers_90d) == (6, 0)


def test_each_slot_keeps_its_ranked_next_candidates_and_a_decline_offers_the_first(app, api, build, secretary, county):
    need = approved_need(api, secretary, county, slots=1)
    first, second, third = volunteer(build), volunteer(build, TOWNSHIP_VILLAGE), volunteer(build, COUNTY_VILLAGE)
    run(api, county)
    with app.app_context():
        kept = db.session.execute(
            select(DispatchCandidate.rank, DispatchCandidate.volunteer_id)
            .where(DispatchCandidate.activity_id == need["id"])
            .order_by(DispatchCandidate.rank)
        ).all()
    assert [v for _r, v in kept] == [volunteer_id(app, api, t) for t in (second, third)]

    (offer,) = open_offers(api, first)
    assert api.as_(first).post(f"/assignments/{offer['id']}/decline").status_code == 200
    assert [o["need"]["id"] for o in open_offers(api, second)] == [need["id"]]
    assert assignments(api, third) == []


def test_a_re_offer_falls_back_to_the_whole_reach_when_no_kept_candidate_can_take_it(
    app, api, build, secretary, county
):
    need = approved_need(api, secretary, county, slots=1)
    first, second = volunteer(build), volunteer(build, TOWNSHIP_VILLAGE)
    run(api, county)
    assert api.as_(second).patch("/volunteers/me", {"offers_paused": True}).status_code == 200
    late = volunteer(build, COUNTY_VILLAGE)  # registered after the round: not a kept candidate

    (offer,) = open_offers(api, first)
    assert api.as_(first).post(f"/assignments/{offer['id']}/decline").status_code == 200

    assert [o["need"]["id"] for o in open_offers(api, late)] == [need["id"]]
    assert assignments(api, second) == []


def test_what_a_round_chose_is_checked_again_under_the_lock(app, api, build, secretary, county):
    """Another writer offered the volunteer an overlapping slot after the round loaded: that pair is dropped."""
    morning = approved_need(api, secretary, county, slots=1)
    overlapping = approved_need(
        api,
        secretary,
        county,
        slots=1,
        title="上午手工课",
        starts_at=at(5, 10).isoformat(),
        ends_at=at(5, 13).isoformat(),
    )
    token = volunteer(build)
    vid = volunteer_id(app, api, token)
    with app.app_context():
        slots = [s for s in rounds.load_slots("140105", clock.now()) if s.activity.id == morning["id"]]
        mark = pool.watermark()
        assert rounds._still_eligible(slots, np.array([0]), np.array([vid]), mark).tolist() == [True]
        other = db.session.get_one(type(slots[0].activity), overlapping["id"])
        offers.make_offer(other, vid, expires_at=at(2, 9))
        assert rounds._still_eligible(slots, np.array([0]), np.array([vid]), mark).tolist() == [False]
        assert rounds._still_eligible(slots, np.array([0]), np.array([vid])).tolist() == [False]
        # Nothing happened to them after a later snapshot: nobody is read again, the pair stands.
        assert pool.changed_since(pool.watermark(), [vid]) == set()
        db.session.rollback()


def test_a_paired_region_s_volunteers_are_within_reach(app, api, build, hire, secretary, county):
    helping = "140723001001"  # 南李阳村 in 和顺县, another city: far beyond the normal reach
    approved_need(api, secretary, county, slots=1)
    token = volunteer(build, helping)
    assert run(api, county)["offers"] == 0
    province = hire.staff("140000")
    created(api.as_(province).post("/pairings", {"helping_region": "140723", "helped_region": "140105"}))

    assert run(api, county)["offers"] == 1
    (offer,) = open_offers(api, token)
    assert offer["why"].startswith("结对帮扶")


@pytest.mark.real_commits  # the worker is another process: it sees only committed rows
def test_the_bot_runs_rounds_in_a_worker_process(app, api, build, secretary, county, monkeypatch):
    if app.config["SQLALCHEMY_DATABASE_URI"] in ("sqlite://", "sqlite:///:memory:"):
        pytest.skip("an in-memory SQLite database cannot be shared with a worker process")
    from bots import worker

    need = approved_need(api, secretary, county, slots=1)
    token = volunteer(build)
    vid = volunteer_id(app, api, token)
    monkeypatch.setitem(app.config, "DISPATCH_IN_WORKER", True)
    with app.app_context():
        assert worker.dispatch_rounds() == 1
        made = db.session.scalars(select(Offer).where(Offer.activity_id == need["id"])).all()
        assert [o.volunteer_id for o in made] == [vid]
    assert [o["need"]["id"] for o in open_offers(api, token)] == [need["id"]]
