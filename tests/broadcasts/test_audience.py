"""Who hears a broadcast: the region ∩ the area teams ∩ the roles, decided by the database."""

from sqlalchemy import select

from app.extensions import db
from app.notify.models import Message
from tests.broadcasts.helpers import Person, allow_pushes, broadcast_body, deliveries, inbox_titles, post, show
from tests.contract import created
from tests.fixtures import ELSEWHERE, NOW, VILLAGE

TITLE = "寒假支教动员"


def test_county_staff_reach_their_education_team_and_no_one_else(api, build, county, education_team):
    secretary = Person(api, build.secretary(VILLAGE)[0])
    answer = created(post(api, county, broadcast_body(areas=["education"])))
    assert answer["recipients"] == 3
    assert answer["status"] == "sending"
    assert answer["audience"] == {"region": "140105", "areas": ["education"], "roles": ["volunteer", "secretary"]}
    for name in ("teacher", "doctor_teacher", "county_teacher"):
        assert inbox_titles(api, education_team[name]) == [TITLE], name
    for name in ("doctor", "other_county_teacher"):
        assert inbox_titles(api, education_team[name]) == [], name
    assert TITLE not in inbox_titles(api, secretary)


def test_no_areas_reaches_every_team_and_the_secretaries_of_the_region(api, build, county, education_team):
    secretary = Person(api, build.secretary(VILLAGE)[0])
    other_secretary = Person(api, build.secretary(ELSEWHERE)[0])
    answer = created(post(api, county, broadcast_body()))
    assert answer["recipients"] == 5
    assert inbox_titles(api, education_team["doctor"]) == [TITLE]
    assert TITLE in inbox_titles(api, secretary)
    assert TITLE not in inbox_titles(api, other_secretary)
    assert inbox_titles(api, education_team["other_county_teacher"]) == []


def test_roles_choose_secretaries_or_volunteers(api, build, county, education_team):
    secretary = Person(api, build.secretary(VILLAGE)[0])
    to_secretaries = created(post(api, county, broadcast_body(roles=["secretary"]) | {"title": "书记会议通知"}))
    assert to_secretaries["recipients"] == 1
    assert "书记会议通知" in inbox_titles(api, secretary)
    assert "书记会议通知" not in inbox_titles(api, education_team["teacher"])
    to_volunteers = created(post(api, county, broadcast_body(roles=["volunteer"]) | {"title": "志愿者通知"}))
    assert to_volunteers["recipients"] == 4
    assert "志愿者通知" not in inbox_titles(api, secretary)
    assert "志愿者通知" in inbox_titles(api, education_team["teacher"])


def test_a_narrower_region_reaches_only_its_villages(api, county, education_team):
    answer = created(post(api, county, broadcast_body(region=VILLAGE)))
    assert answer["recipients"] == 2  # teacher and doctor live in 小店村; the others do not
    assert inbox_titles(api, education_team["doctor"]) == [TITLE]
    assert inbox_titles(api, education_team["doctor_teacher"]) == []


def test_a_secretary_in_the_team_is_reached_once(api, build, county, education_team):
    teacher = education_team["teacher"]
    appointed = api.as_(county).post("/secretaries", {"user_id": teacher.user_id, "village": VILLAGE})
    assert appointed.status_code == 201, appointed.json
    answer = created(post(api, county, broadcast_body(areas=["education"])))
    assert answer["recipients"] == 3
    assert inbox_titles(api, teacher).count(TITLE) == 1


def test_a_secretary_outside_the_team_is_not_in_an_area_broadcast(api, build, county, education_team):
    secretary = Person(api, build.secretary(VILLAGE)[0])
    answer = created(post(api, county, broadcast_body(areas=["education"], roles=["secretary"])))
    assert answer["recipients"] == 0
    assert show(api, county, answer["id"])["status"] == "sent"  # nothing to send is finished
    assert TITLE not in inbox_titles(api, secretary)


def test_withdrawn_volunteers_hear_nothing(app, api, county, education_team):
    assert api.as_(education_team["teacher"].token).delete("/volunteers/me").status_code == 204
    answer = created(post(api, county, broadcast_body(areas=["education"])))
    assert answer["recipients"] == 2
    assert education_team["teacher"].user_id not in deliveries(app, answer["id"])


def test_only_people_who_allowed_pushes_are_queued_everyone_gets_the_inbox(app, api, county, education_team):
    teacher, doctor_teacher = education_team["teacher"], education_team["doctor_teacher"]
    allow_pushes(app, teacher)
    answer = created(post(api, county, broadcast_body(areas=["education"])))
    assert deliveries(app, answer["id"]) == {
        teacher.user_id: "pending",
        doctor_teacher.user_id: "inbox_only",
        education_team["county_teacher"].user_id: "inbox_only",
    }
    shown = show(api, county, answer["id"])
    assert shown["counts"] == {"queued": 1, "sent": 0, "inbox_only": 2, "failed": 0, "cancelled": 0}
    assert shown["status"] == "sending"
    assert inbox_titles(api, doctor_teacher) == [TITLE]


def test_each_message_carries_the_notice_and_its_template_fields(app, api, county, education_team):
    teacher = education_team["teacher"]
    body = broadcast_body(areas=["education"])
    answer = created(post(api, county, body))
    with app.app_context():
        message = db.session.scalar(
            select(Message).where(Message.broadcast_id == answer["id"], Message.user_id == teacher.user_id)
        )
        assert message.purpose == "broadcast" and message.key == f"broadcast:{answer['id']}:{teacher.user_id}"
        assert (message.title, message.body, message.link) == (TITLE, body["body"], f"broadcast:{answer['id']}")
        assert message.fields == {"title": TITLE, "note": body["body"][:40], "time": "2026-12-01T09:00:00+08:00"}
        assert message.created_at == NOW and message.attempts == 0
