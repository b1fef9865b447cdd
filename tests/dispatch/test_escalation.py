"""Escalation: needs still short of volunteers two days before the start, and gaps in a relay, reach the staff who
answer for the village, in their inbox, once."""

from sqlalchemy import select

from app.activities.models import Activity
from app.core import clock
from app.dispatch import escalation
from app.extensions import db
from app.notify.models import Message
from tests.dispatch.helpers import approved_need, offer
from tests.fixtures import at, inbox
from tests.sessions.helpers import audit_trail, need_body

WEEKLY = "FREQ=WEEKLY;BYDAY=SA;COUNT=52"
FAR_VILLAGE = "140723001001"  # 南李阳村, 和顺县 (140723) of 晋中市 (140700)


def escalate_at(app, moment) -> int:
    """The bot's hourly escalation at `moment`, committed as the bot commits it; then the clock goes back to where
    the test stood (so the staff tokens of the test, which live 12 hours, still read the inbox)."""
    before = clock.now()
    clock.freeze(moment)
    try:
        with app.app_context():
            escalated = escalation.escalate_unfilled()
            db.session.commit()
    finally:
        clock.freeze(before)
    return escalated


def relay_gaps(app, activity_ids) -> int:
    """What the dispatcher calls after a round or re-offer, committed."""
    with app.app_context():
        escalated = escalation.relay_gaps(activity_ids)
        db.session.commit()
    return escalated


def escalations(api, token) -> list[dict]:
    return [m for m in inbox(api, token) if m["title"] in ("需求临近开始仍缺人", "扶贫接力断档")]


def test_a_need_short_of_volunteers_two_days_ahead_reaches_county_staff_once(app, api, secretary, county, hire):
    need = approved_need(api, secretary, county)  # Saturday 5 December 09:00, two slots
    elsewhere, city = hire.staff("140106"), hire.staff("140100")

    assert escalate_at(app, at(1, 9)) == 0  # four days ahead: not yet
    assert escalate_at(app, at(3, 10)) == 1  # 47 hours ahead
    assert escalate_at(app, at(3, 11)) == 0
    assert escalate_at(app, at(4, 9)) == 0

    (message,) = escalations(api, county)
    assert message["title"] == "需求临近开始仍缺人" and message["purpose"] == "notice"
    assert "周末课业辅导" in message["body"] and "还差 2 人" in message["body"] and "小店村" in message["body"]
    assert message["link"] == f"need:{need['id']}"
    # The county answers for it: neither another county nor the city above it is bothered.
    assert escalations(api, elsewhere) == [] and escalations(api, city) == []
    with app.app_context():
        assert db.session.get_one(Activity, need["id"]).escalated_at == at(3, 10)
        # Inbox only: nothing is pushed.
        assert set(db.session.scalars(select(Message.delivery).where(Message.title == "需求临近开始仍缺人"))) == {
            "none"
        }
    (entry,) = [e for e in audit_trail(app, "need", need["id"]) if e["action"] == "escalate"]
    assert entry["before"] == {"escalated_at": None}
    assert entry["after"]["reason"] == "unfilled" and entry["after"]["missing"] == 2


def test_a_need_filled_or_still_under_review_is_not_escalated(app, api, secretary, county, people):
    full = approved_need(api, secretary, county, slots=1)
    assert api.as_(people[0]).post(f"/needs/{full['id']}/signups").status_code == 201
    held = approved_need(api, secretary, county, slots=1, title="周末文艺排练")
    offer(app, api, people[1], held["id"])  # its one seat is held by an open offer: not free
    assert api.as_(secretary).post("/needs", need_body(title="待审核的需求")).status_code == 201

    assert escalate_at(app, at(3, 10)) == 0
    assert escalations(api, county) == []


def test_a_county_without_staff_escalates_to_its_city(app, api, hire):
    province = hire.staff("140000")
    need = approved_need(api, hire.secretary(FAR_VILLAGE)[0], province, village=FAR_VILLAGE)
    city, other_city = hire.staff("140700"), hire.staff("140100")

    assert escalate_at(app, at(3, 10)) == 1

    (message,) = escalations(api, city)
    assert message["link"] == f"need:{need['id']}" and "南李阳村" in message["body"]
    assert escalations(api, province) == [] and escalations(api, other_city) == []


def test_a_city_without_staff_escalates_to_the_province(app, api, hire):
    province = hire.staff("140000")
    need = approved_need(api, hire.secretary(FAR_VILLAGE)[0], province, village=FAR_VILLAGE)
    other_city = hire.staff("140100")  # another city's staff do not count

    assert escalate_at(app, at(3, 10)) == 1

    (message,) = escalations(api, province)
    assert message["link"] == f"need:{need['id']}"
    assert escalations(api, other_city) == []


def relay_need(api, secretary, county) -> dict:
    return approved_need(api, secretary, county, title="扶贫接力：周末值守", slots=1, recurrence=WEEKLY, relay=True)


def occurrence_ids(app, series_id) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(select(Activity.id).where(Activity.series_id == series_id).order_by(Activity.starts_at))
        )


def test_a_relay_gap_is_escalated_at_once_and_once(app, api, secretary, county, people):
    relay = relay_need(api, secretary, county)
    weeks = occurrence_ids(app, relay["series_id"])
    first, second, beyond = weeks[0], weeks[1], weeks[4]  # 5 and 12 December; 2 January, past the 4-week horizon
    offer(app, api, people[0], second)
    plain = approved_need(api, secretary, county)

    # The dispatcher passes what it could not offer (or everything it looked at): only real gaps escalate.
    assert relay_gaps(app, [first, second, beyond, plain["id"]]) == 1
    assert relay_gaps(app, [first, second, beyond, plain["id"]]) == 0

    (message,) = escalations(api, county)
    assert message["title"] == "扶贫接力断档" and message["link"] == f"need:{first}"
    assert "扶贫接力：周末值守" in message["body"] and "接棒" in message["body"]
    # Two days before, the hourly escalation does not tell the county a second time about the same week.
    escalate_at(app, at(3, 10))
    relay_messages = [m for m in escalations(api, county) if m["link"] == f"need:{first}"]
    assert len(relay_messages) == 1
    (entry,) = [e for e in audit_trail(app, "need", first) if e["action"] == "escalate"]
    assert entry["after"]["reason"] == "relay_gap"


def test_the_console_lists_escalated_needs_in_scope_most_recent_first(app, api, secretary, county, hire):
    here = approved_need(api, secretary, county)
    province = hire.staff("140000")
    there = approved_need(
        api,
        hire.secretary(FAR_VILLAGE)[0],
        province,
        village=FAR_VILLAGE,
        starts_at=at(5, 14).isoformat(),
        ends_at=at(5, 16).isoformat(),
    )
    escalate_at(app, at(3, 10))  # 小店村's, 47 hours ahead
    escalate_at(app, at(3, 15))  # 南李阳村's, 47 hours ahead

    with app.app_context():
        assert [a.id for a in escalation.escalated("140105", 10)] == [here["id"]]
        assert [a.id for a in escalation.escalated("14", 10)] == [there["id"], here["id"]]
        assert [a.id for a in escalation.escalated("14", 10, since=at(3, 12))] == [there["id"]]
        assert escalation.escalated("140106", 10) == []
