"""山西脱贫攻坚青年先锋: nominated by a secretary or county staff, reviewed by the county, published by the
province; the public list and the county hours rankings show display names only."""

from sqlalchemy import select

from app.core.audit import AuditEntry
from app.extensions import db
from app.volunteers.models import Volunteer
from tests.contract import assert_error, created
from tests.fixtures import ELSEWHERE, at, inbox
from tests.stats.dataset import activity, record

STORY = "连续两年每周到小店村为留守儿童辅导功课，组织村里的青年成立了读书角，带动二十多名青年参与志愿服务。"


def nominate(api, token, volunteer_no: str, story: str = STORY):
    return api.as_(token).post("/nominations", {"volunteer_no": volunteer_no, "story": story})


def review(api, token, nomination_id: int, approve: bool = True, reason: str | None = None):
    body = {"approve": approve} | ({"reason": reason} if reason else {})
    return api.as_(token).post(f"/nominations/{nomination_id}/review", body)


def test_a_nomination_from_the_village_to_the_published_list(api, build, hire, secretary, county):
    token, profile = build.volunteer(name="王小明", home_region="140105001001")
    province = hire.staff("140000")
    nomination = created(nominate(api, secretary, profile["volunteer_no"]))
    assert (nomination["status"], nomination["county"], nomination["name"]) == ("nominated", "140105", "王**")
    assert api.get("/pioneers").json["items"] == []
    assert_error(review(api, province, nomination["id"]), 403, "review_level")  # the county reviews first
    approved = review(api, county, nomination["id"])
    assert approved.status_code == 200 and approved.json["status"] == "county_approved"
    assert_error(review(api, county, nomination["id"]), 403, "review_level")  # the province publishes
    published = review(api, province, nomination["id"])
    assert published.json["status"] == "published"
    assert_error(review(api, province, nomination["id"]), 409, "not_reviewable")
    pioneers = api.get("/pioneers", year=2026).json["items"]
    assert pioneers == [{"name": "王**", "county": "140105", "county_name": "小店区", "year": 2026, "story": STORY}]
    assert "入选山西脱贫攻坚青年先锋" in [message["title"] for message in inbox(api, token)]
    with api.client.application.app_context():
        actions = list(
            db.session.scalars(
                select(AuditEntry.action).where(AuditEntry.object_type == "nomination").order_by(AuditEntry.id)
            )
        )
    assert actions == ["nominate", "county_approve", "publish"]


def test_rejected_with_a_reason(api, build, county, secretary):
    _, profile = build.volunteer(home_region="140105001001")
    nomination = created(nominate(api, secretary, profile["volunteer_no"]))
    assert_error(review(api, county, nomination["id"], approve=False), 422, "validation_failed", "reason")
    rejected = review(api, county, nomination["id"], approve=False, reason="事迹材料不完整，请补充后重新推荐")
    assert (rejected.json["status"], rejected.json["reason"]) == ("rejected", "事迹材料不完整，请补充后重新推荐")
    assert created(nominate(api, secretary, profile["volunteer_no"]))["status"] == "nominated"  # may try again
    assert_error(nominate(api, secretary, profile["volunteer_no"]), 409, "already_nominated")


def test_the_story_passes_content_safety(api, build, secretary):
    _, profile = build.volunteer(home_region="140105001001")
    answer = nominate(api, secretary, profile["volunteer_no"], story="他在村里组织赌博活动，" + STORY)
    assert_error(answer, 422, "content_unsafe", "story")


def test_no_nomination_crosses_a_region_boundary(api, build, hire, county, secretary):
    _, ours = build.volunteer(home_region="140105001001")
    _, theirs = build.volunteer(home_region=ELSEWHERE)
    neighbour_secretary, _ = hire.secretary(ELSEWHERE)
    neighbour = hire.staff("140106")
    assert_error(nominate(api, secretary, theirs["volunteer_no"]), 404, "volunteer_not_found")
    assert_error(nominate(api, neighbour_secretary, ours["volunteer_no"]), 404, "volunteer_not_found")
    assert_error(nominate(api, hire.staff("140100"), ours["volunteer_no"]), 403, "nominator_level")
    volunteer_token, _ = build.volunteer()
    assert_error(nominate(api, volunteer_token, ours["volunteer_no"]), 403, "forbidden")
    nomination = created(nominate(api, county, ours["volunteer_no"]))
    assert_error(review(api, neighbour, nomination["id"]), 404, "nomination_not_found")
    assert api.as_(neighbour).get("/nominations").json["items"] == []
    assert [n["id"] for n in api.as_(county).get("/nominations").json["items"]] == [nomination["id"]]
    assert api.as_(neighbour_secretary).get("/nominations").json["items"] == []


def test_a_volunteer_who_served_in_the_county_may_be_nominated_there(app, api, build, hire):
    _, theirs = build.volunteer(home_region=ELSEWHERE)
    secretary, _ = hire.secretary("140105001001")
    with app.app_context():
        need = activity(
            "need", "140105001001", at(10, 9, month=4), capacity=1, taken=1, status="done", area="education"
        )
        who = db.session.scalars(select(Volunteer).where(Volunteer.volunteer_no == theirs["volunteer_no"])).one()
        record(who, need, at(10, 9, month=4), 120)
        db.session.commit()
    assert created(nominate(api, secretary, theirs["volunteer_no"]))["county"] == "140105"


def test_hours_ranking_shows_only_those_who_opted_in(app, api, build):
    tokens = {}
    for name in ("李一", "赵二", "孙三"):
        tokens[name], _ = build.volunteer(name=name, home_region="140105001001")
    with app.app_context():
        need = activity(
            "need", "140105001001", at(10, 9, month=4), capacity=3, taken=3, status="done", area="education"
        )
        people = {v.name: v for v in db.session.scalars(select(Volunteer).where(Volunteer.name.in_(tokens)))}
        record(people["李一"], need, at(10, 9, month=4), 60)
        record(people["赵二"], need, at(10, 9, month=4), 120)
        record(people["孙三"], need, at(10, 9, month=4), 90)
        db.session.commit()
    for name in ("李一", "赵二"):
        answer = api.as_(tokens[name]).patch("/volunteers/me", {"listed": True})
        assert answer.status_code == 200 and answer.json["listed"] is True
    ranking = api.get("/rankings/hours", county="140105", year=2026).json
    assert ranking["items"] == [{"rank": 1, "name": "赵*", "hours": 2.0}, {"rank": 2, "name": "李*", "hours": 1.0}]
    assert api.get("/rankings/hours", county="140105", year=2025).json["items"] == []
    assert_error(api.get("/rankings/hours", county="140100", year=2026), 422, "validation_failed", "county")
