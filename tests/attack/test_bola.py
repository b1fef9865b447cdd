"""BOLA: every /api/v1 route with an object id in its path, called by people of another county.

The world of tests/fuzz/world.py lives in 小店区 (140105); the intruders live in 迎泽区 (140106).
The table below says which of the world's objects each id-route is called with; a new id-route
that is not in the table fails the test until someone says how to attack it.
"""

from tests.fixtures import ELSEWHERE, NOW
from tests.fuzz.world import make_world

# route rule -> key into the world's objects (or None with a reason: the route is open to anyone by design)
ROUTES: dict[str, str | None] = {
    "/api/v1/assignments/<int:id>/accept": "need",
    "/api/v1/assignments/<int:id>/decline": "need",
    "/api/v1/attendance/<int:id>/confirm": "signup",
    "/api/v1/attendance/<int:id>/correct": "signup",
    "/api/v1/attendance/<int:id>/correction-requests": "signup",
    "/api/v1/broadcasts/<int:id>": "broadcast",
    "/api/v1/broadcasts/<int:id>/cancel": "broadcast",
    "/api/v1/dispatch/rounds/<int:id>": "need",
    "/api/v1/inbox/<int:message_id>/read": "message",
    "/api/v1/needs/<int:id>": None,  # 公开的需求详情：志愿者可见已开放的需求
    "/api/v1/needs/<int:id>/cancel": "need",
    "/api/v1/needs/<int:id>/checkin-code": "need",
    "/api/v1/needs/<int:id>/review": "need",
    "/api/v1/needs/<int:id>/signups": "need",
    "/api/v1/needs/<int:id>/signups/me": None,  # 只涉及调用者自己的报名
    "/api/v1/needs/series/<int:id>/coverage": "need",
    "/api/v1/nominations/<int:id>/review": "need",
    "/api/v1/pairings/<int:id>": "need",
    "/api/v1/programs/<int:id>": "need",
    "/api/v1/regions/<code>": "county",
    "/api/v1/secretaries/<int:user_id>": "secretary_id",
    "/api/v1/sessions/<int:id>": None,  # 公开的活动详情
    "/api/v1/sessions/<int:id>/cancel": "session",
    "/api/v1/sessions/<int:id>/checkin-code": "session",
    "/api/v1/sessions/<int:id>/signups": "session",
    "/api/v1/sessions/<int:id>/signups/me": None,  # 只涉及调用者自己的报名
    "/api/v1/signups/<int:id>/cant-come": "signup",
    "/api/v1/spot-checks/<int:id>": "need",
    "/api/v1/spot-checks/<int:id>/items/<int:record_id>": "need",
    "/api/v1/teams/<area>/members/me": None,  # 加入、退出自己的队伍
    "/api/v1/volunteers/<int:id>/national-no": "volunteer_id",
    "/api/v1/volunteers/me/certificates/<number>.pdf": "certificate",
}

# Open routes whose POST/DELETE any volunteer may make (signing up to an open activity is the point).
OPEN_TO_ALL = {("/api/v1/regions/<code>", "GET")}  # 行政区划是公开信息
OPEN_TO_VOLUNTEERS = {("/api/v1/needs/<int:id>/signups", "POST"), ("/api/v1/sessions/<int:id>/signups", "POST")}


def _id_routes(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and "<" in rule.rule and not rule.rule.startswith("/api/v1/openapi")
    ]


def test_every_id_route_has_an_attack(app):
    missing = sorted({rule.rule for rule in _id_routes(app)} - ROUTES.keys())
    assert not missing, f"这些带 id 的路由没有越权测试用例，请在 ROUTES 中补上：{missing}"


def test_no_one_from_another_county_reaches_anothers_objects(app, api, build, hire):
    world = make_world(api, build, NOW, admin=False)
    objects = {
        "need": world.values[("/api/v1/needs/", "id")][0],
        "session": world.values[("/api/v1/sessions/", "id")][0],
        "signup": world.values[("/api/v1/signups/", "id")][0],
        "broadcast": world.values[("/api/v1/broadcasts/", "id")][0],
        "message": (world.values[("/api/v1/inbox/", "message_id")] or [999999])[0],
        "secretary_id": world.values[("/api/v1/secretaries/", "user_id")][0],
        "county": "140105",
        "volunteer_id": api.as_(world.tokens["volunteer"]).get("/volunteers/me").json["id"],
        "certificate": "C-NOT-YOURS",
    }
    intruders = {
        "volunteer": build.volunteer(home_region=ELSEWHERE)[0],
        "secretary": hire.secretary(ELSEWHERE)[0],
        "county_staff": hire.staff("140106"),
        "township_staff": hire.staff("140106001"),
    }
    leaks = []
    for rule in _id_routes(app):
        key = ROUTES[rule.rule]
        if key is None:
            continue
        value = objects[key]
        path = rule.rule
        for name in ("<int:id>", "<int:message_id>", "<int:user_id>", "<code>", "<number>"):
            path = path.replace(name, str(value))
        path = path.replace("<int:record_id>", str(objects["signup"])).replace("<area>", "education")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for role, token in intruders.items():
                if (rule.rule, method) in OPEN_TO_ALL:
                    continue
                if (rule.rule, method) in OPEN_TO_VOLUNTEERS and role == "volunteer":
                    continue
                caller = api.as_(token)
                call = {"GET": caller.get, "DELETE": caller.delete}.get(method)
                if call is not None:
                    answer = call(path[len("/api/v1") :])
                else:
                    answer = getattr(caller.client, method.lower())(
                        path, json={"approve": True, "hours": 1, "result": "ok"}, headers=caller._headers()
                    )
                if answer.status_code < 300 or answer.status_code >= 500:
                    leaks.append(
                        f"{method} {path} as {role}: {answer.status_code} {answer.get_data(as_text=True)[:120]}"
                    )
    assert not leaks, "\n".join(leaks)
