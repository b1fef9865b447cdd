"""Issue 4's story end to end, against the fake WeChat server with wechatpy's real client code:
a reminder is pushed exactly once to the volunteer who allowed it and lands only in the inbox of the
one who did not; a broadcast to one county's education team settles its counts."""

from datetime import datetime

from app.core import clock
from app.core.clock import SERVICE_ZONE
from app.extensions import db
from app.notify import ledger, sender
from app.reminders import operations as reminders
from tests.builders import registration

VILLAGE = "140105001001"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=SERVICE_ZONE)


def login(wechat_api, fake_wechat, openid: str) -> str:
    fake_wechat.add_code(f"code-{openid}", openid)
    answer = wechat_api.post("/auth/wechat-login", {"code": f"code-{openid}"})
    assert answer.status_code == 200, answer.json
    return answer.json["token"]


def run_bot_jobs(wechat_app) -> None:
    """What the bot's reminder and sender jobs do on their schedule."""
    with wechat_app.app_context():
        reminders.queue_due()
        db.session.commit()
        while sender.send_due()["claimed"]:
            pass


def test_reminder_push_once_with_allowance_inbox_only_without_and_broadcast_counts(
    wechat_app, wechat_api, fake_wechat, wechat_token, build
):
    clock.freeze(at(1, 9))
    ann, bob = (login(wechat_api, fake_wechat, openid) for openid in ("openid-ann", "openid-bob"))
    for token in (ann, bob):
        assert wechat_api.as_(token).post("/volunteers/me", registration(areas=["education"])).status_code == 201
    secretary = login(wechat_api, fake_wechat, "openid-secretary")
    staff = build.staff("140105")
    secretary_id = wechat_api.as_(secretary).get("/me").json["id"]
    assert wechat_api.as_(staff).post("/secretaries", {"user_id": secretary_id, "village": VILLAGE}).status_code == 201
    session = wechat_api.as_(secretary).post(
        "/sessions",
        {
            "kind": "night_school",
            "topic": "skills",
            "title": "青年夜校：电商直播入门",
            "village": VILLAGE,
            "starts_at": at(3, 19, 30).isoformat(),
            "ends_at": at(3, 21, 30).isoformat(),
            "capacity": 10,
        },
    )
    assert session.status_code == 201, session.json
    for token in (ann, bob):
        assert wechat_api.as_(token).post(f"/sessions/{session.json['id']}/signups").json["status"] == "confirmed"

    # Ann accepted the reminder template in the mini-program (and WeChat knows it); Bob did not.
    with wechat_app.app_context():
        reminder_template = ledger.templates()["reminder"]["template_id"]
        broadcast_template = ledger.templates()["broadcast"]["template_id"]
    accepted = wechat_api.as_(ann).post("/subscriptions", {"results": {reminder_template: "accept"}})
    assert accepted.status_code == 200, accepted.json
    fake_wechat.grant("openid-ann", reminder_template, 1)

    clock.freeze(at(2, 19, 31))  # 24 hours before the session, and a minute
    run_bot_jobs(wechat_app)
    run_bot_jobs(wechat_app)  # the bot running again (or late) sends nothing twice
    pushes = [p for p in fake_wechat.subscribe_sent if p["template_id"] == reminder_template]
    assert [p["touser"] for p in pushes] == ["openid-ann"]
    for token in (ann, bob):
        inbox = wechat_api.as_(token).get("/inbox").json["items"]
        assert [m["purpose"] for m in inbox].count("reminder") == 1
    bobs_reminder = next(m for m in wechat_api.as_(bob).get("/inbox").json["items"] if m["purpose"] == "reminder")
    assert "电商直播" in bobs_reminder["body"]

    # Staff (a new desk session: the clock moved a day) broadcast to the county's education team;
    # Ann allows 通知公告 pushes, Bob does not.
    staff = build.staff("140105")
    wechat_api.as_(ann).post("/subscriptions", {"results": {broadcast_template: "accept"}})
    fake_wechat.grant("openid-ann", broadcast_template, None)
    created = wechat_api.as_(staff).post(
        "/broadcasts",
        {
            "title": "冬季志愿服务安全提示",
            "body": "下村服务请注意防寒保暖，结伴出行。",
            "audience": {"region": "140105", "areas": ["education"], "roles": ["volunteer"]},
        },
    )
    assert created.status_code == 201 and created.json["recipients"] == 2, created.json
    before = wechat_api.as_(staff).get(f"/broadcasts/{created.json['id']}").json["counts"]
    assert (before["queued"], before["inbox_only"]) == (1, 1)
    run_bot_jobs(wechat_app)
    settled = wechat_api.as_(staff).get(f"/broadcasts/{created.json['id']}").json
    assert settled["counts"]["sent"] == 1 and settled["counts"]["queued"] == 0 and settled["status"] == "sent"
