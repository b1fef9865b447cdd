"""The console's pages: review a need, run a dispatch round, read the audit trail, find a volunteer —
always within the staff member's region; another region's objects are not there (404)."""

from sqlalchemy import select

from app.activities.models import Activity
from app.core.audit import AuditEntry
from app.dispatch.models import DispatchRound
from app.extensions import db
from tests.console.helpers import post_form, text
from tests.contract import created
from tests.dispatch.helpers import approved_need
from tests.fixtures import at
from tests.sessions.helpers import need_body

ELSEWHERE = "140106001001"  # 迎泽村, another county


def pending_need(api, build, village="140105001001", **overrides) -> dict:
    secretary, _ = build.secretary(village)
    return created(api.as_(secretary).post("/needs", need_body(village=village, **overrides)))


def status_of(app, need_id: int) -> tuple[str, str | None]:
    with app.app_context():
        need = db.session.get_one(Activity, need_id)
        return need.status, need.review_reason


def test_the_review_list_shows_only_the_region_s_pending_needs(api, build, console):
    mine = pending_need(api, build, title="小店村课业辅导")
    pending_need(api, build, ELSEWHERE, title="迎泽村课业辅导")
    page = text(console.get("/console/needs/review"))
    assert "小店村课业辅导" in page and "迎泽村课业辅导" not in page
    detail = console.get(f"/console/needs/{mine['id']}")
    assert detail.status_code == 200 and "内容安全" in text(detail)


def test_approving_opens_the_need_through_the_review_operation(app, api, build, console):
    need = pending_need(api, build)
    response = post_form(
        console,
        f"/console/needs/{need['id']}/review",
        {"decision": "approve"},
        token_from=f"/console/needs/{need['id']}",
    )
    assert response.status_code == 302
    assert status_of(app, need["id"]) == ("open", None)
    assert "已通过审核" in text(console.get("/console/needs/review"))
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.object_type == "need", AuditEntry.action == "review")
        )
        assert entry is not None and entry.actor_id is not None  # the signed-in staff member, not "the system"


def test_rejecting_needs_a_reason(app, api, build, console):
    need = pending_need(api, build)
    path = f"/console/needs/{need['id']}"
    response = post_form(console, f"{path}/review", {"decision": "reject", "reason": ""}, token_from=path)
    assert response.status_code == 422 and "驳回时请填写原因" in text(response)
    assert status_of(app, need["id"])[0] == "pending_review"
    post_form(console, f"{path}/review", {"decision": "reject", "reason": "时间与春耕冲突"}, token_from=path)
    assert status_of(app, need["id"]) == ("rejected", "时间与春耕冲突")


def test_another_county_s_need_is_not_there(app, api, build, console):
    theirs = pending_need(api, build, ELSEWHERE)
    assert console.get(f"/console/needs/{theirs['id']}").status_code == 404
    token_page = console.get("/console/needs/review")
    assert token_page.status_code == 200
    own = pending_need(api, build)
    response = post_form(
        console,
        f"/console/needs/{theirs['id']}/review",
        {"decision": "approve"},
        token_from=f"/console/needs/{own['id']}",
    )
    assert response.status_code == 404
    assert status_of(app, theirs["id"])[0] == "pending_review"


def test_an_open_need_of_another_county_is_not_shown_either(api, build, console, hire):
    secretary, _ = build.secretary(ELSEWHERE)
    theirs = approved_need(api, secretary, hire.staff("140106"), village=ELSEWHERE)
    assert console.get(f"/console/needs/{theirs['id']}").status_code == 404


def test_running_a_round_offers_the_open_slots(app, api, build, console, county, secretary):
    need = approved_need(api, secretary, county)
    build.volunteer(home_region="140105001001")
    response = post_form(console, "/console/dispatch/rounds", {"region": "140105"}, token_from="/console/dispatch")
    assert response.status_code == 302
    with app.app_context():
        record = db.session.scalars(select(DispatchRound)).one()
        assert record.region_code == "140105" and record.offers == 1 and record.started_by is not None
    page = text(console.get(response.headers["Location"]))
    assert "派单轮次" in page and need["title"] in page
    dispatch = text(console.get("/console/dispatch"))
    assert "待答复 <strong>1</strong>" in dispatch and need["title"] in dispatch


def test_a_round_for_another_county_is_refused_as_missing(app, console):
    response = post_form(console, "/console/dispatch/rounds", {"region": "140106"}, token_from="/console/dispatch")
    assert response.status_code == 404
    for tampered in ("14010", "x" * 12, "140000"):
        assert (
            post_form(
                console, "/console/dispatch/rounds", {"region": tampered}, token_from="/console/dispatch"
            ).status_code
            == 404
        )
    with app.app_context():
        assert db.session.scalars(select(DispatchRound)).all() == []


def test_another_county_s_round_is_not_there(app, console):
    with app.app_context():
        from app.dispatch import rounds

        record = rounds.run_round(None, "140106")
        db.session.commit()
        round_id = record.id
    assert console.get(f"/console/dispatch/rounds/{round_id}").status_code == 404


def test_the_audit_trail_filters_and_shows_before_and_after(app, api, build, console):
    need = pending_need(api, build)
    theirs = pending_need(api, build, ELSEWHERE)
    path = f"/console/needs/{need['id']}"
    post_form(console, f"{path}/review", {"decision": "reject", "reason": "请补充服务内容"}, token_from=path)
    page = text(console.get("/console/audit", query_string={"object_type": "need", "object_id": need["id"]}))
    assert "pending_review" in page and "rejected" in page and "请补充服务内容" in page
    assert f"need #{theirs['id']}" not in text(console.get("/console/audit", query_string={"object_type": "need"}))
    assert "没有符合条件的记录" in text(console.get("/console/audit", query_string={"from": "2027-01-01"}))
    assert "没有符合条件的记录" in text(console.get("/console/audit", query_string={"actor": "999999"}))
    assert console.get("/console/audit", query_string={"from": "not-a-date", "actor": "x"}).status_code == 200


def test_volunteer_search_stays_in_the_region_and_masks_the_phone(build, console):
    build.volunteer(name="王小明", phone="13800001111", home_region="140105001001")
    build.volunteer(name="王小亮", phone="13800002222", home_region=ELSEWHERE)
    page = text(console.get("/console/volunteers", query_string={"q": "王小"}))
    assert "王小明" in page and "138****1111" in page and "13800001111" not in page
    assert "王小亮" not in page
    assert "没有找到" in text(console.get("/console/volunteers", query_string={"q": "%"}))


def night_school(api, secretary, village="140105001001", title="青年夜校：法律常识") -> dict:
    body = {
        "kind": "night_school",
        "topic": "law",
        "title": title,
        "village": village,
        "starts_at": at(3, 19, 30).isoformat(),
        "ends_at": at(3, 21, 30).isoformat(),
        "capacity": 1,
    }
    return created(api.as_(secretary).post("/sessions", body))


def test_the_week_s_sessions_and_a_roster(api, build, console, secretary, hire):
    session = night_school(api, secretary)
    first, second = build.volunteer(name="李小红")[0], build.volunteer(name="赵小刚")[0]
    assert api.as_(first).post(f"/sessions/{session['id']}/signups").json["status"] == "confirmed"
    assert api.as_(second).post(f"/sessions/{session['id']}/signups").json["status"] == "waitlisted"
    theirs = night_school(api, build.secretary(ELSEWHERE)[0], ELSEWHERE, title="迎泽村的夜校")
    week = text(console.get("/console/sessions"))
    assert "青年夜校：法律常识" in week and "迎泽村的夜校" not in week and "19:30" in week
    assert "青年夜校：法律常识" not in text(console.get("/console/sessions", query_string={"week": "2026-12-07"}))
    assert "青年夜校：法律常识" not in text(console.get("/console/sessions", query_string={"kind": "lecture_hall"}))
    roster = text(console.get(f"/console/sessions/{session['id']}"))
    assert "李小红" in roster and "已确认" in roster and "赵小刚" in roster and "候补" in roster
    assert console.get(f"/console/sessions/{theirs['id']}").status_code == 404
    assert console.get("/console/sessions", query_string={"region": "140106"}).status_code == 404
