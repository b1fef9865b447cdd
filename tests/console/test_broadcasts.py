"""广播: compose a notice to the county through the broadcasts operation, watch its counts, cancel a
scheduled one; another county's notices and regions are not there."""

from sqlalchemy import select

from app.accounts import operations as accounts
from app.broadcasts import operations as broadcasts
from app.broadcasts.models import Broadcast
from app.broadcasts.schemas import BroadcastIn
from app.core import auth
from app.extensions import db
from tests.console.helpers import post_form, text

BODY = {"title": "冬季送温暖活动", "body": "本周六上午在村委会集合。", "region": "140105"}


def only_broadcast(app) -> tuple[int, str, int | None]:
    with app.app_context():
        broadcast = db.session.scalars(select(Broadcast)).one()
        return broadcast.id, broadcast.status, broadcast.recipients


def test_a_notice_to_the_county_goes_out_and_its_counts_show(app, build, console):
    build.volunteer(home_region="140105001001")
    build.volunteer(home_region="140105002001")
    build.volunteer(home_region="140106001001")  # another county: not in the audience
    response = post_form(console, "/console/broadcasts", BODY)
    assert response.status_code == 302
    broadcast_id, status, recipients = only_broadcast(app)
    assert (status, recipients) == ("sending", 2)
    page = text(console.get(f"/console/broadcasts/{broadcast_id}"))
    with app.app_context():
        counts = broadcasts.counts(db.session.get_one(Broadcast, broadcast_id))
    assert sum(counts.values()) == 2
    assert "发送进度" in page
    for key, number in counts.items():
        assert f'data-count="{key}"><span class="figure">{number}</span>' in page
    assert "冬季送温暖活动" in text(console.get("/console/broadcasts"))


def test_a_scheduled_notice_shows_its_audience_and_can_be_cancelled(app, build, console):
    build.volunteer(home_region="140105001001", areas=["medical"])
    build.volunteer(home_region="140105001001", areas=["education"])
    data = {**BODY, "areas": ["medical"], "roles": ["volunteer"], "send_at": "2026-12-03T09:00"}
    post_form(console, "/console/broadcasts", data, token_from="/console/broadcasts")
    broadcast_id, status, recipients = only_broadcast(app)
    assert (status, recipients) == ("scheduled", 1)
    path = f"/console/broadcasts/{broadcast_id}"
    assert "创建时的估计" in text(console.get(path))
    assert post_form(console, f"{path}/cancel", {}, token_from=path).status_code == 302
    assert only_broadcast(app)[1] == "cancelled"


def test_what_the_schema_refuses_is_named_in_chinese(app, console):
    response = post_form(
        console,
        "/console/broadcasts",
        {**BODY, "title": "冬", "send_at": "2020-01-01T09:00"},
        token_from="/console/broadcasts",
    )
    assert response.status_code == 422
    assert "发送时间不能早于当前时间" in text(response) or "至少" in text(response)
    with app.app_context():
        assert db.session.scalars(select(Broadcast)).all() == []


def test_another_county_s_notices_and_region_are_not_there(app, console):
    with app.app_context():
        account = accounts.create_staff("console-yingze", "correct-horse-battery", "140106")
        db.session.flush()
        staff = auth.build_principal(account.user_id)
        assert staff is not None
        notice = {"title": "迎泽区的通知", "body": "正文", "audience": {"region": "140106"}}
        other = broadcasts.create(staff, BroadcastIn.model_validate(notice))
        db.session.commit()
        other_id = other.id
    assert console.get(f"/console/broadcasts/{other_id}").status_code == 404
    assert "迎泽区的通知" not in text(console.get("/console/broadcasts"))
    assert (
        post_form(console, f"/console/broadcasts/{other_id}/cancel", {}, token_from="/console/broadcasts").status_code
        == 404
    )
    response = post_form(console, "/console/broadcasts", {**BODY, "region": "140106"}, token_from="/console/broadcasts")
    assert response.status_code == 404


def test_the_audience_size_before_sending(app, build, console):
    build.volunteer(home_region="140105001001", areas=["medical"])
    build.volunteer(home_region="140105002001", areas=["education"])
    build.volunteer(home_region="140106001001", areas=["medical"])  # another county
    response = post_form(
        console, "/console/broadcasts/preview", {**BODY, "areas": ["medical"]}, token_from="/console/broadcasts"
    )
    assert response.status_code == 200
    page = text(response)
    assert 'data-preview="1"' in page and "现在发送将有 <strong>1</strong> 人收到" in page
    # The form comes back as it was, ready to send; nothing was sent.
    assert (
        'value="冬季送温暖活动"' in page
        and '<input checked id="areas-3" name="areas" type="checkbox" value="medical">' in page
    )
    with app.app_context():
        assert db.session.scalars(select(Broadcast)).all() == []
    everyone = post_form(console, "/console/broadcasts/preview", {"region": "140105"}, token_from="/console/broadcasts")
    assert everyone.status_code == 200 and 'data-preview="2"' in text(everyone)  # title and body may wait
    post_form(console, "/console/broadcasts", {**BODY, "areas": ["medical"]}, token_from="/console/broadcasts")
    assert only_broadcast(app)[2] == 1


def test_previewing_another_county_or_a_bad_area_is_refused(app, console):
    other = post_form(console, "/console/broadcasts/preview", {"region": "140106"}, token_from="/console/broadcasts")
    assert other.status_code == 404
    bad = post_form(
        console,
        "/console/broadcasts/preview",
        {"region": "140105", "areas": ["astrology"]},
        token_from="/console/broadcasts",
    )
    assert bad.status_code == 422 and "data-preview" not in text(bad)
    without_token = console.post("/console/broadcasts/preview", data={"region": "140105"})
    assert without_token.status_code == 400
