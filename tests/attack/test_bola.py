"""BOLA: every route with an object id in its path (the API's and the console's), called by everyone who
must not reach the object, then by those who may.

The objects live in 小店区 (140105, 太原市); tests/attack/bola_world.py makes one of every kind a route
names. The callers who must not reach them: people of another county (迎泽区: a volunteer, a secretary,
county and township staff), of another city (晋中市 staff), of another village and township of the
same county, and another volunteer of the same village (B, on volunteer A's sign-ups, offers, records,
certificate and inbox). Each must be answered 403 or 404 (not 2xx, not a 422 that would hide a
missing check, not a 5xx), exactly as the same call on an id that names nothing is answered (status
and error code: existence does not leak), and the database must be as it was afterwards. Then the
owner calls the same URL and must get 2xx (a write must change something), and staff over the
region (city, province) must see what they read: the proof each row hits a real object.

A route with an id in its path that is not in a table below fails the test until someone says how to
attack it; `scoped` lists the routes that take a region, an activity or a user in the query or body.
"""

import re
from dataclasses import dataclass

from app.extensions import db
from tests.attack.bola_world import BolaWorld, console_session, make_bola_world
from tests.console.helpers import CSRF

API_INTRUDERS = (
    "volunteer_elsewhere",
    "volunteer_b",
    "secretary_elsewhere",
    "secretary_neighbour",
    "county_elsewhere",
    "township_elsewhere",
    "township_neighbour",
    "city_elsewhere",
)
#: On a volunteer's own things, the staff and secretary over them are intruders too: no one acts as A.
ON_BEHALF = ("secretary", "county", "city")
CONSOLE_INTRUDERS = ("county_elsewhere", "township_elsewhere", "township_neighbour", "city_elsewhere")
OVER = ("city", "province")  # staff above 小店区: they read what its county reads


@dataclass(frozen=True)
class Row:
    objects: tuple[str, ...]  # world ids filling the route's parameters, in order
    owner: str  # who may: must answer 2xx, and a write must change something
    body: dict | None = None  # a valid body (form data on the console), so a refusal is not a body error
    readers: tuple[str, ...] = ()  # others who may read it (GET only): must answer 2xx as well
    allowed: tuple[str, ...] = ()  # intruders who may by design (not called)
    public: bool = False  # the object's existence is public (an open need): a refusal may say more than 404
    owner_body: dict | None = None  # the owner's body, when the intruders' names another's object
    writes: bool = True  # a POST that only computes (a preview) changes nothing, for the owner either


# (route rule, method) -> how to attack it, or why it is open.
API: dict[tuple[str, str], Row | str] = {
    ("/api/v1/assignments/<int:id>/accept", "POST"): Row(("offer_accept",), "volunteer_a"),
    ("/api/v1/assignments/<int:id>/decline", "POST"): Row(("offer_decline",), "volunteer_a"),
    ("/api/v1/attendance/<int:id>/confirm", "POST"): Row(("record_b",), "secretary", {}),
    ("/api/v1/attendance/<int:id>/correct", "POST"): Row(
        ("record_a",), "secretary", {"hours": 1.25, "reason": "核实后更正"}
    ),
    ("/api/v1/attendance/<int:id>/correction-requests", "POST"): Row(
        ("record_a",), "volunteer_a", {"reason": "签退时间记错了"}
    ),
    ("/api/v1/broadcasts/<int:id>", "GET"): Row(("broadcast",), "county", readers=OVER),
    ("/api/v1/broadcasts/<int:id>/cancel", "POST"): Row(("broadcast",), "county"),
    ("/api/v1/dispatch/rounds/<int:id>", "GET"): Row(("round",), "county", readers=OVER),
    ("/api/v1/inbox/<int:message_id>/read", "POST"): Row(("message_a",), "volunteer_a"),
    # A need not yet approved is no one's business but its village's and the staff over it.
    ("/api/v1/needs/<int:id>", "GET"): Row(("need_pending",), "secretary", readers=("county", *OVER)),
    ("/api/v1/needs/<int:id>", "PATCH"): Row(("need_edit",), "secretary", {"title": "周末课业辅导（改）"}),
    ("/api/v1/needs/<int:id>/cancel", "POST"): Row(("need_cancel",), "secretary", {"reason": "天气原因取消"}),
    ("/api/v1/needs/<int:id>/checkin-code", "GET"): Row(("need",), "secretary", readers=("county", *OVER)),
    ("/api/v1/needs/<int:id>/review", "POST"): Row(("need_pending",), "county", {"approve": True}),
    # Signing up to an open need is what volunteers do, wherever they live; others may not.
    ("/api/v1/needs/<int:id>/signups", "POST"): Row(
        ("need_open",), "volunteer_b", allowed=("volunteer_elsewhere", "volunteer_b")
    ),
    ("/api/v1/needs/<int:id>/signups", "GET"): Row(("need",), "secretary", readers=("county", *OVER)),
    ("/api/v1/needs/<int:id>/signups/me", "DELETE"): Row(("need_open",), "volunteer_a", public=True),
    ("/api/v1/needs/series/<int:id>/coverage", "GET"): Row(("series",), "secretary", readers=("county", *OVER)),
    ("/api/v1/nominations/<int:id>/review", "POST"): Row(("nomination",), "county", {"approve": True}),
    ("/api/v1/pairings/<int:id>", "DELETE"): Row(("pairing",), "city"),
    # Programs are the league's list, kept by staff of any city or the province.
    ("/api/v1/programs/<int:id>", "PATCH"): Row(
        ("program",), "city", {"description": "改过的说明"}, allowed=("city_elsewhere",)
    ),
    ("/api/v1/regions/<code>", "GET"): "行政区划是公开信息",
    ("/api/v1/regions/<code>", "PATCH"): Row(("village",), "county", {"poor_village": True}),
    ("/api/v1/secretaries/<int:user_id>", "DELETE"): Row(("neighbour_secretary_user",), "county"),
    ("/api/v1/sessions/<int:id>", "GET"): "公开的活动详情",
    ("/api/v1/sessions/<int:id>", "PATCH"): Row(("session_edit",), "secretary", {"title": "青年夜校：法律常识（改）"}),
    ("/api/v1/sessions/<int:id>/cancel", "POST"): Row(("session_cancel",), "secretary", {"reason": "场地临时占用"}),
    ("/api/v1/sessions/<int:id>/checkin-code", "GET"): Row(("session",), "secretary", readers=("county", *OVER)),
    ("/api/v1/sessions/<int:id>/signups", "POST"): Row(
        ("session_open",), "volunteer_b", allowed=("volunteer_elsewhere", "volunteer_b")
    ),
    ("/api/v1/sessions/<int:id>/signups", "GET"): Row(("session",), "secretary", readers=("county", *OVER)),
    ("/api/v1/sessions/<int:id>/signups/me", "DELETE"): Row(("session_open",), "volunteer_a", public=True),
    ("/api/v1/signups/<int:id>/cant-come", "POST"): Row(("signup_a",), "volunteer_a"),
    ("/api/v1/spot-checks/<int:id>", "GET"): Row(("spot_check",), "county", readers=OVER),
    ("/api/v1/spot-checks/<int:id>/items/<int:record_id>", "POST"): Row(
        ("spot_check", "record_a"), "county", {"result": "confirmed"}
    ),
    ("/api/v1/teams/<area>/members/me", "POST"): "加入自己的服务队：只涉及调用者自己",
    ("/api/v1/teams/<area>/members/me", "DELETE"): "退出自己的服务队：只涉及调用者自己",
    ("/api/v1/volunteers/<int:id>/national-no", "PUT"): Row(("volunteer_a",), "county", {"national_no": "NV000123"}),
    ("/api/v1/volunteers/me/certificates/<number>.pdf", "GET"): Row(("certificate",), "volunteer_a"),
}

CONSOLE: dict[tuple[str, str], Row | str] = {
    ("/console/accounts/secretaries/<int:user_id>/remove", "POST"): Row(("second_secretary_user",), "county"),
    ("/console/assessment/spot-checks/<int:check_id>", "GET"): Row(("spot_check",), "county", readers=OVER),
    ("/console/assessment/spot-checks/<int:check_id>/items/<int:record_id>", "POST"): Row(
        ("spot_check", "record_c"), "county", {"result": "confirmed"}
    ),
    ("/console/broadcasts/<int:broadcast_id>", "GET"): Row(("broadcast_console",), "county", readers=OVER),
    ("/console/broadcasts/<int:broadcast_id>/cancel", "POST"): Row(("broadcast_console",), "county"),
    ("/console/dispatch/rounds/<int:round_id>", "GET"): Row(("round",), "county", readers=OVER),
    ("/console/needs/<int:need_id>", "GET"): Row(("need_pending_console",), "county", readers=OVER),
    ("/console/needs/<int:need_id>/review", "POST"): Row(("need_pending_console",), "county", {"decision": "approve"}),
    ("/console/pioneers/nominations/<int:nomination_id>/review", "POST"): Row(
        ("nomination_console",), "county", {"decision": "approve"}
    ),
    ("/console/programs/<int:program_id>/toggle", "POST"): Row(
        ("program",), "city", allowed=("city_elsewhere",), public=True
    ),
    ("/console/sessions/<int:session_id>", "GET"): Row(("session",), "county", readers=OVER),
    ("/console/static/<path:filename>", "GET"): "静态文件",
    ("/console/volunteers/<int:volunteer_id>/national-no", "POST"): Row(
        ("volunteer_c",), "county", {"national_no": "NV000456"}
    ),
    ("/console/volunteers/<int:volunteer_id>/phone", "POST"): Row(("volunteer_a",), "county"),
}


def scoped(world: BolaWorld) -> dict[tuple[str, str], tuple[str, Row]]:
    """Routes with no id in their path that take one in the query or the body (a region, an activity, a
    user): (rule, method) -> (the URL to call, how). Regions are public: a refusal may be 403 or 404."""
    ids = world.ids
    county = {"region": "140105"}
    year = "year=2026"
    return {
        ("/api/v1/attendance", "GET"): (
            f"/api/v1/attendance?activity={ids['need']}",
            Row((), "secretary", readers=("county", *OVER)),
        ),
        ("/api/v1/stats", "GET"): ("/api/v1/stats?region=140105", Row((), "county", readers=OVER)),
        ("/api/v1/assessment/sheet", "GET"): (
            f"/api/v1/assessment/sheet?region=140105&{year}",
            Row((), "county", readers=OVER),
        ),
        ("/api/v1/assessment/sheet.xlsx", "GET"): (
            f"/api/v1/assessment/sheet.xlsx?region=140105&{year}",
            Row((), "county", readers=OVER),
        ),
        ("/api/v1/exports/records.xlsx", "GET"): (
            "/api/v1/exports/records.xlsx?region=140105",
            Row((), "county", readers=OVER),
        ),
        ("/api/v1/exports/national.xlsx", "GET"): (
            "/api/v1/exports/national.xlsx?region=140105",
            Row((), "county", readers=OVER),
        ),
        ("/api/v1/self-checks", "GET"): (f"/api/v1/self-checks?region=140105&{year}", Row((), "county", readers=OVER)),
        # Another county's staff may not move 小店村's secretary into their own village.
        ("/api/v1/secretaries", "POST"): (
            "/api/v1/secretaries",
            Row(
                (),
                "county",
                {"user_id": ids["second_secretary_user"], "village": "140106001001"},
                owner_body={"user_id": ids["user_c"], "village": ids["village"]},
            ),
        ),
        ("/api/v1/broadcasts", "POST"): (
            "/api/v1/broadcasts",
            Row((), "county", {"title": "越权通知", "body": "不应发出。", "audience": county}),
        ),
        ("/api/v1/broadcasts/preview", "POST"): (
            "/api/v1/broadcasts/preview",
            Row((), "county", {"audience": county}, writes=False),
        ),
        ("/api/v1/dispatch/rounds", "POST"): ("/api/v1/dispatch/rounds", Row((), "county", county)),
        ("/api/v1/pairings", "POST"): (
            "/api/v1/pairings",
            Row((), "city", {"helping_region": "140723", "helped_region": "140105"}),
        ),
        ("/api/v1/spot-checks", "POST"): ("/api/v1/spot-checks", Row((), "county", {**county, "size": 1})),
        ("/api/v1/self-checks", "POST"): (
            "/api/v1/self-checks",
            Row((), "county", {**county, "from": "2026-11-01", "to": "2026-11-30", "findings": "十一月自查无问题"}),
        ),
        ("/api/v1/assessment/targets", "PUT"): (
            "/api/v1/assessment/targets",
            Row((), "city", {**county, "year": 2026, "hours": 1000}),
        ),
        # A secretary nominates volunteers of the whole county (another village's too): by design.
        ("/api/v1/nominations", "POST"): (
            "/api/v1/nominations",
            Row(
                (),
                "county",
                {
                    "volunteer_no": ids["volunteer_no_b"],
                    "story": "两年来多次参加小店村的课业辅导，带动身边青年一起服务留守儿童。",
                },
                allowed=("secretary_neighbour",),
            ),
        ),
        ("/api/v1/needs", "POST"): (
            "/api/v1/needs",
            Row((), "secretary", _need_body(ids["village"])),
        ),
        ("/api/v1/sessions", "POST"): (
            "/api/v1/sessions",
            Row((), "secretary", _session_body(ids["village"])),
        ),
    }


def _need_body(village) -> dict:
    return {
        "area": "education",
        "title": "越权发布的需求",
        "description": "为留守儿童辅导作业",
        "village": village,
        "starts_at": "2026-12-19T09:00:00+08:00",
        "ends_at": "2026-12-19T12:00:00+08:00",
        "slots": 2,
    }


def _session_body(village) -> dict:
    return {
        "kind": "night_school",
        "topic": "law",
        "title": "越权安排的夜校",
        "village": village,
        "starts_at": "2026-12-19T19:00:00+08:00",
        "ends_at": "2026-12-19T21:00:00+08:00",
        "capacity": 5,
    }


#: What a refused call may change: nothing of the objects (see _state).
VOLATILE_TABLES = {"console_sessions"}  # a page seen touches its session's last_seen_at


def _id_routes(app, prefix: str) -> list[tuple[str, str]]:
    return sorted(
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(prefix) and "<" in rule.rule and not rule.rule.startswith("/api/v1/openapi")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def test_every_id_route_has_an_attack(app):
    missing = sorted(set(_id_routes(app, "/api/v1/")) - API.keys()) + sorted(
        set(_id_routes(app, "/console/")) - CONSOLE.keys()
    )
    assert not missing, f"这些带 id 的路由没有越权测试用例，请在 ROUTES 中补上：{missing}"


#: Ids of the same shape that name nothing.
MISSING = {"int": "999999", "code": "140105001099", "number": "ZYFW202699999999"}


def _path(rule: str, row: Row, world: BolaWorld | None) -> str:
    """The route with the row's objects (or, without a world, ids that name nothing) in its parameters."""
    values = iter(row.objects)

    def fill(parameter: re.Match) -> str:
        name = next(values)
        if world is not None:
            return str(world.ids[name])
        return MISSING["int" if parameter.group(0).startswith("<int:") else parameter.group(1)]

    return re.sub(r"<(?:int:)?([a-z_]+)>", fill, rule)


def _state(app) -> dict[str, list[str]]:
    """Every row of every table (but the volatile ones), to compare before and after."""
    with app.app_context():
        connection = db.session.connection()
        return {
            table.name: sorted(repr(tuple(row)) for row in connection.execute(table.select()))
            for table in db.metadata.sorted_tables
            if table.name not in VOLATILE_TABLES
        }


def _changed(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


class ApiCaller:
    def __init__(self, client, token: str):
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def __call__(self, method: str, path: str, body: dict | None):
        return self.client.open(path, method=method, json=body, headers=self.headers)


class ConsoleCaller:
    """A browser signed in to the console: its own cookie jar, and the CSRF token its pages carry."""

    def __init__(self, app, user_id: int):
        self.client = app.test_client()
        console_session(app, self.client, user_id)
        page = self.client.get("/console/")
        assert page.status_code == 200, page.status_code
        found = CSRF.search(page.get_data(as_text=True))
        assert found, "the console page has no CSRF token"
        self.csrf = found.group(1)

    def __call__(self, method: str, path: str, body: dict | None):
        if method == "GET":
            return self.client.get(path)
        return self.client.post(path, data={"csrf_token": self.csrf, **(body or {})})


Call = tuple[str, str, str | None, Row]  # method, URL, the URL with ids that name nothing (or None), how


def _calls(table: dict, world: BolaWorld) -> list[Call]:
    return [
        (method, _path(rule, row, world), _path(rule, row, None), row)
        for (rule, method), row in table.items()
        if isinstance(row, Row)
    ]


def _run_matrix(app, calls: list[Call], callers: dict, intruders: tuple[str, ...]) -> list[str]:
    problems = []
    before = _state(app)
    for method, path, missing, row in calls:
        on_behalf = ON_BEHALF if row.owner.startswith("volunteer") else ()
        for role in dict.fromkeys((*intruders, *on_behalf)):
            if role in row.allowed or role == row.owner or role not in callers:
                continue
            answer = callers[role](method, path, row.body)
            if answer.status_code not in (403, 404):
                text = answer.get_data(as_text=True)[:160]
                problems.append(f"not refused with 403/404: {method} {path} as {role}: {answer.status_code} {text}")
                continue
            if row.public or missing is None:
                continue
            # Refused exactly as for an id that names nothing: the object's existence does not leak either.
            blank = callers[role](method, missing, row.body)
            if _refusal(answer) != _refusal(blank):
                problems.append(f"existence shows: {method} {path} as {role}: {_refusal(answer)}, {_refusal(blank)}")
    changed = _changed(before, after := _state(app))
    if changed:
        problems.append(f"refused calls changed tables: {changed}")
    # The controls: the same URLs answer those who may, so every refusal above met a real object.
    for method, path, _, row in calls:
        for role in (row.owner, *(row.readers if method == "GET" else ())):
            answer = callers[role](method, path, row.owner_body if role == row.owner and row.owner_body else row.body)
            if not 200 <= answer.status_code < 400:
                text = answer.get_data(as_text=True)[:160]
                problems.append(f"control failed: {method} {path} as {role}: {answer.status_code} {text}")
            elif method != "GET" and row.writes:
                before, after = after, _state(app)
                if not _changed(before, after):
                    problems.append(f"control changed nothing: {method} {path} as {role}: {answer.status_code}")
    return problems


def _refusal(answer) -> tuple[int, str | None]:
    """Status and error code (the console's pages have no code: their status says it)."""
    body = answer.get_json(silent=True) if answer.is_json else None
    return answer.status_code, (body or {}).get("error", {}).get("code")


def test_no_one_out_of_scope_reaches_anothers_objects(app, api, build, hire):
    world = make_bola_world(app, api, build, hire)
    client = app.test_client()
    api_callers = {role: ApiCaller(client, token) for role, token in world.tokens.items()}
    by_query = [(method, path, None, row) for (_, method), (path, row) in scoped(world).items()]
    problems = _run_matrix(app, _calls(API, world) + by_query, api_callers, API_INTRUDERS)
    console_callers = {role: ConsoleCaller(app, user) for role, user in world.staff_users.items() if role != "township"}
    problems += _run_matrix(app, _calls(CONSOLE, world), console_callers, CONSOLE_INTRUDERS)
    assert not problems, "\n".join(problems)
