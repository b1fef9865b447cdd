"""A small world for each fuzz test, so the fuzz meets real things and not only 404s.

A village secretary with an approved need and a session, county staff with a broadcast, and a
volunteer signed up to both (so their inbox has messages). It is made over the API, inside the
test's rolled-back transaction, at the fuzz's frozen moment. The fuzz's callers are its people,
and its ids are offered to the fuzz as path parameters next to the generated ones.

Making it is best effort: a step the app refuses is reported as a warning and left out, so a
change in the app's rules makes the fuzz shallower (visibly), never red for a harness reason.
"""

import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta

VILLAGE = "140105001001"
COUNTY = "140105"
PROVINCE = "140000"


@dataclass
class World:
    tokens: dict[str, str] = field(default_factory=dict)
    #: (path prefix, parameter) -> values that name something that exists.
    values: dict[tuple[str, str], list] = field(default_factory=dict)

    def real_values(self, path: str, name: str) -> list:
        return [
            v
            for (prefix, param), values in self.values.items()
            if param == name and path.startswith(prefix)
            for v in values
        ]


def make_world(api, build, now: datetime, *, admin: bool) -> World:
    """The world; a province admin too when `admin` (the staff accounts cost the most to make)."""
    world = World()
    county = build.staff(COUNTY)
    secretary = build.login()
    secretary_id = api.as_(secretary).get("/me").json["id"]
    appointed = api.as_(county).post("/secretaries", {"user_id": secretary_id, "village": VILLAGE})
    if appointed.status_code != 201:
        _warn("appoint the secretary", appointed)
    volunteer, _ = build.volunteer(home_region=VILLAGE, areas=["education"])
    world.tokens = {"secretary": secretary, "county_staff": county, "volunteer": volunteer}
    if admin:
        world.tokens["province_admin"] = build.staff(PROVINCE, admin=True)
    world.values[("/api/v1/secretaries/", "user_id")] = [secretary_id]
    world.values[("/api/v1/regions/", "code")] = [COUNTY, VILLAGE]

    day = (now + timedelta(days=5)).replace(hour=9, minute=0, second=0, microsecond=0)
    need = _id(api.as_(secretary).post("/needs", _need(day)), "post a need")
    if need:
        world.values[("/api/v1/needs/", "id")] = [need]
        _id(api.as_(county).post(f"/needs/{need}/review", {"approve": True}), "approve the need")
    session = _id(api.as_(secretary).post("/sessions", _session(day + timedelta(days=2))), "schedule a session")
    if session:
        world.values[("/api/v1/sessions/", "id")] = [session]
    signups = [
        _id(api.as_(volunteer).post(f"/{kind}/{activity}/signups"), f"sign up to the {kind[:-1]}")
        for kind, activity in (("needs", need), ("sessions", session))
        if activity
    ]
    world.values[("/api/v1/signups/", "id")] = [s for s in signups if s]
    broadcast = _id(
        api.as_(county).post(
            "/broadcasts", {"title": "冬季志愿服务通知", "body": "本周六集中服务。", "audience": {"region": COUNTY}}
        ),
        "send a broadcast",
    )
    world.values[("/api/v1/broadcasts/", "id")] = [broadcast] if broadcast else []
    inbox = api.as_(volunteer).get("/inbox")
    messages = [m["id"] for m in inbox.json.get("items", [])] if inbox.status_code == 200 else []
    world.values[("/api/v1/inbox/", "message_id")] = messages
    return world


def _need(day: datetime) -> dict:
    return {
        "area": "education",
        "title": "周末课业辅导",
        "description": "为留守儿童辅导作业",
        "village": VILLAGE,
        "starts_at": day.isoformat(),
        "ends_at": (day + timedelta(hours=3)).isoformat(),
        "slots": 2,
    }


def _session(day: datetime) -> dict:
    starts = day.replace(hour=19, minute=30)
    return {
        "kind": "night_school",
        "topic": "law",
        "title": "青年夜校：法律常识",
        "village": VILLAGE,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "capacity": 3,
    }


def _id(response, step: str) -> int | None:
    if response.status_code in (200, 201) and isinstance(response.json, dict) and "id" in response.json:
        return response.json["id"]
    _warn(step, response)
    return None


def _warn(step: str, response) -> None:
    text = response.get_data(as_text=True)[:200]
    warnings.warn(f"fuzz world: could not {step}: {response.status_code} {text}", stacklevel=3)
