"""The objects the BOLA matrix attacks: one of every kind a route names by id, all in 小店区 (140105).

Made over the API as their owners make them (a round's offers and a console session are the two
exceptions, made by the operations the round and the sign-in form call), on 1 December 2026: a need
held that morning 10:00–12:00 that volunteers A, B and C attended (A's and C's records confirmed,
B's not), a pending need, future needs and sessions to edit and cancel, offers made to A, a relay
series, broadcasts, a dispatch round, a spot check, nominations, a pairing, a program, A's
certificate and inbox. The clock is left at 11:40, inside the morning need's check-in window.
"""

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from app.accounts import operations as accounts
from app.activities.models import Activity
from app.console import signin
from app.console.models import ConsoleSession
from app.core import auth, clock
from app.dispatch import offers
from app.extensions import db
from tests.fixtures import NEIGHBOUR, VILLAGE, at

COUNTY = "140105"  # 小店区, 太原市 (140100), 山西省 (140000)


@dataclass
class BolaWorld:
    #: role name -> bearer token (owners, overseers, intruders)
    tokens: dict[str, str] = field(default_factory=dict)
    #: object name -> the id (or code, number) a route is called with
    ids: dict[str, int | str] = field(default_factory=dict)
    #: role name -> staff user id, for console sessions
    staff_users: dict[str, int] = field(default_factory=dict)


def _ok(response, what: str) -> dict:
    assert response.status_code in (200, 201), f"{what}: {response.status_code} {response.get_data(as_text=True)}"
    return response.json


def _need(title: str, starts, hours: int = 3, **extra) -> dict:
    return {
        "area": "education",
        "title": title,
        "description": "为留守儿童辅导作业",
        "village": VILLAGE,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=hours)).isoformat(),
        "slots": 5,
        **extra,
    }


def _session(title: str, starts, **extra) -> dict:
    return {
        "kind": "night_school",
        "topic": "law",
        "title": title,
        "village": VILLAGE,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "capacity": 5,
        **extra,
    }


def _staff(app, region: str, world: BolaWorld, role: str) -> None:
    with app.app_context():
        account = accounts.create_staff(f"bola-{role}-{secrets.token_hex(3)}", "correct-horse-battery", region)
        world.tokens[role] = auth.issue_token(account.user_id, "staff", app.config["TOKEN_TTL_STAFF"])
        world.staff_users[role] = account.user_id
        db.session.commit()


def make_bola_world(app, api, build, hire) -> BolaWorld:
    clock.freeze(at(1, 7))
    world = BolaWorld()
    t = world.tokens
    # Owners and overseers of 小店区; intruders of other places, and of other villages and townships of the same county.
    for role, region in {
        "county": COUNTY,
        "township": "140105001",
        "city": "140100",
        "province": "140000",
        "county_elsewhere": "140106",
        "township_elsewhere": "140106001",
        "township_neighbour": "140105002",
        "city_elsewhere": "140700",
    }.items():
        _staff(app, region, world, role)
    t["secretary"], world.ids["secretary_user"] = hire.secretary(VILLAGE)
    t["secretary_neighbour"], world.ids["neighbour_secretary_user"] = hire.secretary(NEIGHBOUR)
    t["secretary_elsewhere"], _ = hire.secretary("140106001001")
    _, world.ids["second_secretary_user"] = hire.secretary(VILLAGE)
    t["volunteer_a"], a = build.volunteer(home_region=VILLAGE)
    t["volunteer_b"], _ = build.volunteer(home_region=VILLAGE)  # the same village as A: another user, same level
    t["volunteer_c"], c = build.volunteer(home_region=VILLAGE)
    t["volunteer_elsewhere"], _ = build.volunteer(home_region="140106001001")
    world.ids["volunteer_a"], world.ids["volunteer_c"] = a["id"], c["id"]
    world.ids["user_c"] = api.as_(t["volunteer_c"]).get("/me").json["id"]
    world.ids["village"] = VILLAGE
    ids = world.ids
    secretary, county = api.as_(t["secretary"]), api.as_(t["county"])

    def approved(title: str, starts, **extra) -> int:
        need = _ok(secretary.post("/needs", _need(title, starts, **extra)), f"post {title}")
        _ok(county.post(f"/needs/{need['id']}/review", {"approve": True}), f"approve {title}")
        return need["id"]

    # This morning's need, attended by A, B and C.
    ids["need"] = approved("上午课业辅导", at(1, 10), hours=2)
    for who in ("volunteer_a", "volunteer_b", "volunteer_c"):
        _ok(api.as_(t[who]).post(f"/needs/{ids['need']}/signups"), f"{who} signs up")
    ids["need_pending"] = _ok(secretary.post("/needs", _need("待审核的需求", at(12, 9))), "post")["id"]
    ids["need_pending_console"] = _ok(secretary.post("/needs", _need("待审核的需求二", at(12, 14))), "post")["id"]
    ids["need_edit"] = approved("可修改的需求", at(9, 9))
    ids["need_cancel"] = approved("可取消的需求", at(9, 14))
    ids["need_open"] = approved("开放报名的需求", at(10, 9))
    _ok(api.as_(t["volunteer_a"]).post(f"/needs/{ids['need_open']}/signups"), "A signs up to the open need")
    relay = approved("扶贫接力：周末值守", at(5, 9), recurrence="FREQ=WEEKLY;BYDAY=SA;COUNT=4", relay=True)
    with app.app_context():
        ids["series"] = db.session.get_one(Activity, relay).series_id  # type: ignore[assignment]
    # Offers to A, as a dispatch round makes them (a round's choice is not what this is about).
    for name, starts in (("offer_accept", at(11, 9)), ("offer_decline", at(11, 14))):
        need = approved(f"派单需求 {name}", starts)
        with app.app_context():
            made = offers.make_offer(
                db.session.get_one(Activity, need),
                a["id"],
                expires_at=at(3, 9),
                cost=1,
                terms={"reach": 0, "skills": 0, "fairness": 1},
                why="同村",
            )
            db.session.commit()
            ids[name] = made.id
    ids["round"] = _ok(county.post("/dispatch/rounds", {}), "run a round")["id"]

    ids["session"] = _ok(secretary.post("/sessions", _session("上午讲习", at(1, 10))), "schedule")["id"]
    ids["session_edit"] = _ok(secretary.post("/sessions", _session("可修改的夜校", at(8, 19))), "schedule")["id"]
    ids["session_cancel"] = _ok(secretary.post("/sessions", _session("可取消的夜校", at(9, 19))), "schedule")["id"]
    ids["session_open"] = _ok(secretary.post("/sessions", _session("开放报名的夜校", at(10, 19))), "schedule")["id"]
    _ok(api.as_(t["volunteer_a"]).post(f"/sessions/{ids['session_open']}/signups"), "A signs up to the open session")
    ids["signup_a"] = _ok(api.as_(t["volunteer_a"]).post(f"/sessions/{ids['session_edit']}/signups"), "sign up")["id"]

    future = (at(1, 12) + timedelta(days=7)).isoformat()
    for name in ("broadcast", "broadcast_console"):
        body = {
            "title": "冬季志愿服务通知",
            "body": "本周六集中服务。",
            "audience": {"region": COUNTY},
            "send_at": future,
        }
        ids[name] = _ok(county.post("/broadcasts", body), "schedule a broadcast")["id"]
    with app.app_context():
        ids["program"] = _ok(api.as_(t["city"]).post("/programs", {"name": "BOLA 项目", "description": "测试"}), "p")[
            "id"
        ]
    ids["pairing"] = _ok(
        api.as_(t["city"]).post("/pairings", {"helping_region": "140106", "helped_region": COUNTY}), "pair"
    )["id"]
    volunteer_nos = {
        who: api.as_(t[who]).get("/volunteers/me").json["volunteer_no"]
        for who in ("volunteer_a", "volunteer_b", "volunteer_c")
    }
    ids["volunteer_no_b"] = volunteer_nos["volunteer_b"]
    story = "连续两年每周到小店村为留守儿童辅导功课，组织村里的青年成立了读书角。"
    ids["nomination"] = _ok(
        secretary.post("/nominations", {"volunteer_no": volunteer_nos["volunteer_a"], "story": story}), "nominate"
    )["id"]
    ids["nomination_console"] = _ok(
        secretary.post("/nominations", {"volunteer_no": volunteer_nos["volunteer_c"], "story": story}), "nominate"
    )["id"]

    # The morning: check in at 10:00, out at 11:30; A's and C's records confirmed.
    records = {}
    for who, moment in (("in", at(1, 10)), ("out", at(1, 11, 30))):
        clock.freeze(moment)
        code = _ok(secretary.get(f"/needs/{ids['need']}/checkin-code"), "code")["code"]
        for volunteer in ("volunteer_a", "volunteer_b", "volunteer_c"):
            answer = _ok(api.as_(t[volunteer]).post("/checkins" if who == "in" else "/checkouts", {"code": code}), who)
            records[volunteer] = answer["id"]
    clock.freeze(at(1, 11, 35))
    for volunteer in ("volunteer_a", "volunteer_c"):
        _ok(secretary.post(f"/attendance/{records[volunteer]}/confirm", {}), "confirm")
    ids["record_a"], ids["record_b"], ids["record_c"] = (
        records[v] for v in ("volunteer_a", "volunteer_b", "volunteer_c")
    )
    ids["certificate"] = _ok(api.as_(t["volunteer_a"]).post("/volunteers/me/certificates"), "certificate")["number"]
    check = _ok(county.post("/spot-checks", {"region": COUNTY, "size": 2}), "spot check")
    ids["spot_check"] = check["id"]
    messages = api.as_(t["volunteer_a"]).get("/inbox").json["items"]
    assert messages, "A has no message to attack"
    ids["message_a"] = messages[0]["id"]
    clock.freeze(at(1, 11, 40))
    return world


def console_session(app, client, user_id: int) -> None:
    """Sign `client` in to the console as the staff member `user_id`, as the sign-in form does (without its
    argon2 and rate limit, which tests/console/test_signin.py covers)."""
    sid = secrets.token_urlsafe(32)
    with app.app_context():
        now = clock.now()
        db.session.add(
            ConsoleSession(session_hash=signin._digest(sid), user_id=user_id, created_at=now, last_seen_at=now)
        )
        db.session.commit()
    with client.session_transaction() as session:
        session[signin.SESSION_KEY] = sid
