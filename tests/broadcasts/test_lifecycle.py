"""A broadcast's life: scheduled → sending → sent, or cancelled; counts settle as messages do."""

from sqlalchemy import func, select

from app.broadcasts import operations
from app.broadcasts.models import Broadcast
from app.extensions import db
from app.notify.models import Message
from tests.broadcasts.helpers import (
    allow_pushes,
    audit_trail,
    broadcast_body,
    deliver,
    deliveries,
    hours,
    inbox_titles,
    post,
    run_job,
    show,
)
from tests.contract import assert_error, created
from tests.fixtures import NOW

TITLE = "寒假支教动员"


def later(at, **audience) -> dict:
    return {**broadcast_body(**audience), "send_at": at.isoformat()}


def staff_id(api, token) -> int:
    return api.as_(token).get("/me").json["id"]


def test_a_scheduled_broadcast_goes_out_when_its_time_comes_and_only_once(app, api, county, education_team):
    teacher = education_team["teacher"]
    answer = created(post(api, county, later(NOW + hours(2), areas=["education"])))
    assert answer["status"] == "scheduled" and answer["recipients"] == 3
    assert answer["send_at"] == "2026-12-01T11:00:00+08:00"
    assert inbox_titles(api, teacher) == []
    assert run_job(app, NOW + hours(1)) == 0
    assert inbox_titles(api, teacher) == []
    assert show(api, county, answer["id"])["status"] == "scheduled"
    assert run_job(app, NOW + hours(2)) == 1
    assert inbox_titles(api, teacher) == [TITLE]
    assert run_job(app, NOW + hours(3)) == 0
    assert inbox_titles(api, teacher) == [TITLE]
    assert len(deliveries(app, answer["id"])) == 3
    shown = show(api, county, answer["id"])
    assert shown["recipients"] == 3 and shown["resolved_at"] == "2026-12-01T11:00:00+08:00"
    create, resolve, finish = audit_trail(app, answer["id"])
    assert create["action"] == "create" and create["actor"] == staff_id(api, county)
    assert create["after"]["status"] == "scheduled" and create["after"]["areas"] == ["education"]
    assert resolve == {
        "action": "resolve",
        "actor": None,  # the bot
        "before": {"status": "scheduled", "recipients": 3},
        "after": {"status": "sending", "recipients": 3},
    }
    assert finish["action"] == "finish" and finish["after"] == {"status": "sent"}  # no one to push to


def test_the_audience_is_counted_again_when_it_is_resolved(app, api, build, county, education_team):
    answer = created(post(api, county, later(NOW + hours(2), areas=["education"])))
    build.volunteer(home_region="140105", areas=["education"])
    run_job(app, NOW + hours(2))
    assert show(api, county, answer["id"])["recipients"] == 4


def test_counts_settle_as_the_sender_works(app, api, county, education_team):
    people = [education_team[name] for name in ("teacher", "doctor_teacher", "county_teacher")]
    allow_pushes(app, *people[:2])
    answer = created(post(api, county, broadcast_body(areas=["education"])))
    first = show(api, county, answer["id"])
    assert first["status"] == "sending"
    assert first["counts"] == {"queued": 2, "sent": 0, "inbox_only": 1, "failed": 0, "cancelled": 0}
    deliver(app, people[0], answer["id"], "sent")
    middle = show(api, county, answer["id"])
    assert middle["status"] == "sending" and middle["counts"]["queued"] == 1 and middle["counts"]["sent"] == 1
    assert api.as_(county).get("/broadcasts").json["items"][0]["status"] == "sending"
    deliver(app, people[1], answer["id"], "dead")
    settled = show(api, county, answer["id"])
    assert settled["status"] == "sent"
    assert settled["counts"] == {"queued": 0, "sent": 1, "inbox_only": 1, "failed": 1, "cancelled": 0}
    assert api.as_(county).get("/broadcasts").json["items"][0]["status"] == "sent"
    run_job(app, NOW)
    with app.app_context():
        assert db.session.get(Broadcast, answer["id"]).status == "sent"
    actions = [entry["action"] for entry in audit_trail(app, answer["id"])]
    assert actions == ["create", "resolve", "finish"]
    assert_error(api.as_(county).post(f"/broadcasts/{answer['id']}/cancel"), 409, "broadcast_finished")


def test_cancelling_stops_the_pushes_not_yet_made(app, api, county, education_team):
    people = [education_team[name] for name in ("teacher", "doctor_teacher", "county_teacher")]
    allow_pushes(app, *people)
    answer = created(post(api, county, broadcast_body(areas=["education"])))
    deliver(app, people[0], answer["id"], "sent")
    cancelled = api.as_(county).post(f"/broadcasts/{answer['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.json
    assert cancelled.json["status"] == "cancelled"
    assert cancelled.json["cancelled_at"] == "2026-12-01T09:00:00+08:00"
    assert cancelled.json["counts"] == {"queued": 0, "sent": 1, "inbox_only": 0, "failed": 0, "cancelled": 2}
    assert deliveries(app, answer["id"])[people[1].user_id] == "cancelled"
    *_, cancel = audit_trail(app, answer["id"])
    assert cancel == {
        "action": "cancel",
        "actor": staff_id(api, county),
        "before": {"status": "sending"},
        "after": {"status": "cancelled", "stopped": 2},
    }
    assert_error(api.as_(county).post(f"/broadcasts/{answer['id']}/cancel"), 409, "broadcast_cancelled")
    run_job(app, NOW + hours(1))
    assert show(api, county, answer["id"])["status"] == "cancelled"


def test_a_scheduled_broadcast_cancelled_in_time_never_goes_out(app, api, county, education_team):
    answer = created(post(api, county, later(NOW + hours(2), areas=["education"])))
    cancelled = api.as_(county).post(f"/broadcasts/{answer['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert run_job(app, NOW + hours(3)) == 0
    assert inbox_titles(api, education_team["teacher"]) == []
    assert deliveries(app, answer["id"]) == {}


def test_resolution_is_idempotent(app, api, county, education_team):
    answer = created(post(api, county, broadcast_body(areas=["education"])))
    with app.app_context():
        broadcast = db.session.get(Broadcast, answer["id"])
        assert operations.fill(broadcast, NOW + hours(1)) == 0
        db.session.commit()
        count = select(func.count()).select_from(Message).where(Message.broadcast_id == answer["id"])
        assert db.session.scalar(count) == 3
    assert inbox_titles(api, education_team["teacher"]) == [TITLE]


def test_staff_of_another_county_cannot_see_or_cancel_it(api, build, county, education_team):
    answer = created(post(api, county, broadcast_body()))
    elsewhere = build.staff("140106")
    assert_error(api.as_(elsewhere).get(f"/broadcasts/{answer['id']}"), 404, "broadcast_not_found")
    assert_error(api.as_(elsewhere).post(f"/broadcasts/{answer['id']}/cancel"), 404, "broadcast_not_found")
    assert_error(api.as_(county).get("/broadcasts/999999"), 404, "broadcast_not_found")
    assert_error(api.as_(education_team["teacher"].token).get(f"/broadcasts/{answer['id']}"), 403, "forbidden")


def test_staff_list_the_broadcasts_of_their_scope_newest_first(api, build, county):
    first = created(post(api, county, {**broadcast_body(), "title": "第一条"}))
    second = created(post(api, county, {**broadcast_body(region="140105001"), "title": "第二条"}))
    other = build.staff("140106")
    third = created(post(api, other, {**broadcast_body(region="140106"), "title": "第三条"}))
    assert [b["id"] for b in api.as_(county).get("/broadcasts").json["items"]] == [second["id"], first["id"]]
    assert [b["id"] for b in api.as_(other).get("/broadcasts").json["items"]] == [third["id"]]
    city = build.staff("140100")
    listed = api.as_(city).get("/broadcasts").json["items"]
    assert [b["id"] for b in listed] == [third["id"], second["id"], first["id"]]
    page = api.as_(city).get("/broadcasts", before_id=third["id"], limit=1).json["items"]
    assert [b["id"] for b in page] == [second["id"]]
    assert listed[1]["audience"] == {"region": "140105001", "areas": [], "roles": ["volunteer", "secretary"]}


def test_a_cancelled_message_leaves_the_inbox(app, api, county, education_team):
    teacher, doctor_teacher = education_team["teacher"], education_team["doctor_teacher"]
    allow_pushes(app, teacher, doctor_teacher)
    answer = created(post(api, county, broadcast_body(areas=["education"])))
    deliver(app, teacher, answer["id"], "sent")
    assert api.as_(county).post(f"/broadcasts/{answer['id']}/cancel").status_code == 200
    assert inbox_titles(api, teacher) == [TITLE]  # pushed already: it stays
    assert inbox_titles(api, doctor_teacher) == []
    assert api.as_(doctor_teacher.token).get("/inbox").json["unread"] == 0
