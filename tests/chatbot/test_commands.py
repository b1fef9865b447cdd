"""A volunteer types in the mini-program's chat; the answer comes back as a customer-service message."""

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.activities.models import Activity, Signup
from app.attendance.models import ServiceRecord
from app.chatbot import commands
from app.chatbot.commands import Command, parse
from app.core import clock
from app.dispatch.models import Offer
from app.extensions import db
from app.volunteers.models import Volunteer
from tests.attendance.helpers import Site, at
from tests.chatbot.helpers import openid_of, replies, text_xml
from tests.dispatch.helpers import offer


@pytest.fixture
def site(api, build):
    """小店村's secretary has scheduled 青年夜校：法律常识 for 8 December, 19:30–21:30."""
    return Site(api, build)


@pytest.fixture
def volunteer(site, api, chat_app):
    """A volunteer with a confirmed seat: (token, user id, openid)."""
    token = site.volunteer()
    user_id = api.as_(token).get("/me").json["id"]
    return token, user_id, openid_of(chat_app, user_id)


def said(chat_app, wechat, user_id: int, openid: str, text: str) -> str:
    """What the bot answers `text` with: exactly one new queued reply."""
    before = len(replies(chat_app, user_id))
    response = wechat.text(openid, text)
    assert response.status_code == 200, response.get_data(as_text=True)
    queued = replies(chat_app, user_id)
    assert len(queued) == before + 1
    return queued[-1].body


def signup_of(chat_app, activity_id: int, user_id: int) -> int:
    """The number "我的任务" shows for a volunteer's seat: the sign-up's id."""
    query = (
        select(Signup.id)
        .join(Volunteer, Volunteer.id == Signup.volunteer_id)
        .where(Signup.activity_id == activity_id, Volunteer.user_id == user_id)
    )
    with chat_app.app_context():
        return db.session.scalar(query)


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in text)


def test_my_tasks_lists_the_upcoming_session_with_time_and_place(chat_app, wechat, volunteer, site, api):
    token, user_id, openid = volunteer
    body = said(chat_app, wechat, user_id, openid, "我的任务")
    assert "青年夜校：法律常识" in body and "12月8日 19:30–21:30" in body and "小店村" in body
    signup_id = signup_of(chat_app, site.session, user_id)
    assert f"[{signup_id}]" in body and "不能来 编号" in body  # the number "不能来 N" takes
    [reply] = replies(chat_app, user_id)
    assert reply.purpose == "chat" and reply.delivery == "pending"  # the sender pushes it after the commit
    inbox = api.as_(token).get("/inbox").json["items"]
    assert inbox[0]["title"] == "我的任务" and "青年夜校：法律常识" in inbox[0]["body"]


def test_my_tasks_without_commitments_says_so(chat_app, wechat, build, api, site):
    token, _ = build.volunteer()
    user_id = api.as_(token).get("/me").json["id"]
    assert "暂无安排" in said(chat_app, wechat, user_id, openid_of(chat_app, user_id), "我的任务")


def test_past_sessions_are_not_listed(chat_app, wechat, volunteer, site):
    _, user_id, openid = volunteer
    site.code(at(8, 22))  # moves the clock past the session's end
    assert "暂无安排" in said(chat_app, wechat, user_id, openid, "我的任务")


def test_check_in_and_out_by_chat_with_the_code_on_site(chat_app, wechat, volunteer, site):
    _, user_id, openid = volunteer
    code = site.code(at(8, 19, 20))
    body = said(chat_app, wechat, user_id, openid, f"签到 {code}")
    assert body.startswith("签到成功") and "青年夜校：法律常识" in body
    with chat_app.app_context():
        record = db.session.scalar(select(ServiceRecord).where(ServiceRecord.activity_id == site.session))
        assert record is not None and record.status == "checked_in"

    code = site.code(at(8, 21, 35))
    body = said(chat_app, wechat, user_id, openid, f"签退　{full_width(code.lower())}")  # a phone keyboard's version
    assert body.startswith("签退成功") and "2 小时" in body


def test_check_in_errors_come_back_in_chinese_and_change_nothing(chat_app, wechat, volunteer, site):
    _, user_id, openid = volunteer
    site.code(at(8, 19, 20))
    assert said(chat_app, wechat, user_id, openid, "签到 ZZZZ9999") == "签到码无效"
    assert "签到码" in said(chat_app, wechat, user_id, openid, "签到")  # how to use it
    with chat_app.app_context():
        assert db.session.scalar(select(ServiceRecord.id)) is None


def test_unknown_text_gets_the_help(chat_app, wechat, volunteer):
    _, user_id, openid = volunteer
    body = said(chat_app, wechat, user_id, openid, "你好，请问夜校在哪里？")
    assert body == commands.HELP
    assert said(chat_app, wechat, user_id, openid, "帮助") == commands.HELP


def test_a_picture_or_voice_message_gets_the_help(chat_app, wechat, volunteer):
    _, user_id, openid = volunteer
    xml = (
        f"<xml><ToUserName>gh_volunteers</ToUserName><FromUserName>{openid}</FromUserName>"
        f"<CreateTime>{int(clock.now().timestamp())}</CreateTime><MsgType>image</MsgType>"
        "<PicUrl>https://example.invalid/p.jpg</PicUrl><MediaId>m1</MediaId><MsgId>24777000000000001</MsgId></xml>"
    )
    assert wechat.deliver(xml).status_code == 200
    assert replies(chat_app, user_id)[-1].body == commands.HELP


def test_someone_not_yet_registered_is_sent_to_the_mini_program(chat_app, wechat, build, api):
    token = build.login()
    user_id = api.as_(token).get("/me").json["id"]
    body = said(chat_app, wechat, user_id, openid_of(chat_app, user_id), "我的任务")
    assert body == commands.NOT_REGISTERED


def test_a_stranger_is_answered_and_finds_the_answer_after_logging_in(chat_app, wechat):
    assert wechat.text("openid-never-logged-in", "你好").status_code == 200
    with chat_app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.openid == "openid-never-logged-in"))
    [reply] = replies(chat_app, user_id)
    assert reply.body.startswith(commands.NOT_REGISTERED) and "我的任务" in reply.body


def test_an_offer_is_answered_in_the_chat(chat_app, wechat, volunteer, site, api):
    token, user_id, openid = volunteer
    first, second = site.need(), site.need(starts_at=at(6, 9), ends_at=at(6, 12))
    offered = [offer(chat_app, api, token, need) for need in (first, second)]
    assert said(chat_app, wechat, user_id, openid, "接受 999999") == "邀请不存在"
    assert said(chat_app, wechat, user_id, openid, "接受") == commands.USAGE["accept"]
    assert said(chat_app, wechat, user_id, openid, f"接受 {offered[0]}").startswith("已接受并为你报名：周末课业辅导")
    assert said(chat_app, wechat, user_id, openid, f"拒绝{full_width(str(offered[1]))}").startswith("已婉拒")
    assert said(chat_app, wechat, user_id, openid, f"拒绝 {offered[0]}") == "该邀请已处理，不能再婉拒"
    with chat_app.app_context():
        statuses = db.session.scalars(select(Offer.status).where(Offer.id.in_(offered)).order_by(Offer.id)).all()
        source = db.session.scalar(select(Signup.source).where(Signup.activity_id == first))
    assert (statuses, source) == (["accepted", "declined"], "dispatch")


def test_an_accept_delivered_again_acts_once(chat_app, wechat, volunteer, site, api):
    """WeChat repeats a push it got no answer to within 5 s (same MsgId, a new nonce), and a captured
    request may be sent again as it was: the offer is accepted once, one seat taken, one answer."""
    token, user_id, openid = volunteer
    need = site.need()
    number = offer(chat_app, api, token, need)
    with chat_app.app_context():
        taken_before = db.session.get(Activity, need).taken
    query, body = wechat.signed(text_xml(openid, f"接受 {number}", msg_id=24_888_000_000_000_001))
    for response in (
        wechat.send(query, body),  # the push
        wechat.text(openid, f"接受 {number}", msg_id=24_888_000_000_000_001),  # WeChat's retry
        wechat.send(query, body),  # the same signed request replayed
    ):
        assert response.status_code == 200 and response.get_data(as_text=True) == "success"
    [reply] = replies(chat_app, user_id)
    assert reply.body.startswith("已接受并为你报名")
    with chat_app.app_context():
        signups = db.session.scalars(select(Signup).where(Signup.activity_id == need)).all()
        assert db.session.get(Offer, number).status == "accepted"
        assert db.session.get(Activity, need).taken == taken_before + 1
    assert [(s.status, s.source) for s in signups] == [("confirmed", "dispatch")]


def test_cant_come_gives_the_seat_back(chat_app, wechat, volunteer, site):
    _, user_id, openid = volunteer
    signup_id = signup_of(chat_app, site.session, user_id)
    assert said(chat_app, wechat, user_id, openid, f"不能来 {full_width(str(signup_id))}").startswith("已收到")
    with chat_app.app_context():
        assert db.session.get(Signup, signup_id).status == "cancelled"
    assert "暂无安排" in said(chat_app, wechat, user_id, openid, "我的任务")


def test_cant_come_refused_says_why(chat_app, wechat, volunteer, site, api):
    _, user_id, openid = volunteer
    other = api.as_(site.volunteer()).get("/me").json["id"]
    someone_elses = signup_of(chat_app, site.session, other)
    assert said(chat_app, wechat, user_id, openid, f"不能来 {someone_elses}") == "报名记录不存在"
    assert said(chat_app, wechat, user_id, openid, "不能来 明天") == commands.USAGE["cant_come"]
    site.code(at(8, 19, 40))  # the session has begun
    mine = signup_of(chat_app, site.session, user_id)
    assert said(chat_app, wechat, user_id, openid, f"不能来 {mine}") == "活动已开始，不能取消报名"


@pytest.mark.parametrize(
    ("typed", "command"),
    [
        ("我的任务", Command("tasks")),
        ("  我的任务　", Command("tasks")),
        ("签到 AB12CD34", Command("check_in", "AB12CD34")),
        ("签到　ＡＢ１２ＣＤ３４", Command("check_in", "AB12CD34")),
        ("签到AB12CD34", Command("check_in", "AB12CD34")),
        ("签退 ab12cd34", Command("check_out", "ab12cd34")),
        ("不能来 １２", Command("cant_come", "12")),
        ("接受 #7", Command("accept", "#7")),
        ("拒绝", Command("decline")),
        ("帮助", Command("help")),
        ("HELP", Command("help")),
        ("？", Command("help")),
        ("我的任务呢", Command("help")),
        ("", Command("help")),
        ("早上好", Command("help")),
    ],
)
def test_parsing_tolerates_full_width_and_spacing(typed, command):
    assert parse(typed) == command
