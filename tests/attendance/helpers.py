"""A village with a scheduled activity, and the steps volunteers and organisers take on site."""

from datetime import datetime

from app.core import clock
from app.core.clock import SERVICE_ZONE

VILLAGE = "140105001001"
OTHER_VILLAGE = "140105001002"  # same county
OTHER_COUNTY_VILLAGE = "140106001001"


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, second, tzinfo=SERVICE_ZONE)


START, END = at(8, 19, 30), at(8, 21, 30)


class Site:
    """Planning happens on 1 December; each step moves the clock to when it happens."""

    def __init__(self, api, build):
        self.api, self.build = api, build
        clock.freeze(at(1, 9))
        self.secretary, self.secretary_id = build.secretary(VILLAGE)
        self.session = self.schedule()

    def schedule(self, starts_at=START, ends_at=END, capacity=5, title="青年夜校：法律常识") -> int:
        clock.freeze(at(1, 9))
        response = self.api.as_(self.secretary).post(
            "/sessions",
            {
                "kind": "night_school",
                "topic": "law",
                "title": title,
                "village": VILLAGE,
                "starts_at": starts_at.isoformat(),
                "ends_at": ends_at.isoformat(),
                "capacity": capacity,
            },
        )
        assert response.status_code == 201, response.json
        return response.json["id"]

    def need(self, starts_at=at(5, 9), ends_at=at(5, 12)) -> int:
        clock.freeze(at(1, 9))
        need = self.api.as_(self.secretary).post(
            "/needs",
            {
                "area": "education",
                "title": "周末课业辅导",
                "description": "为留守儿童辅导作业",
                "village": VILLAGE,
                "starts_at": starts_at.isoformat(),
                "ends_at": ends_at.isoformat(),
                "slots": 2,
            },
        )
        assert need.status_code == 201, need.json
        county = self.build.staff(VILLAGE[:6])
        reviewed = self.api.as_(county).post(f"/needs/{need.json['id']}/review", {"approve": True})
        assert reviewed.status_code == 200, reviewed.json
        return need.json["id"]

    def volunteer(self, activity: int | None = None, *, type_: str = "session", **registration) -> str:
        """A registered volunteer with a confirmed seat (signed up on 1 December)."""
        token, _ = self.build.volunteer(**registration)
        self.sign_up(token, activity or self.session, type_=type_, expect="confirmed")
        return token

    def sign_up(self, token: str, activity: int, *, type_: str = "session", expect: str = "confirmed") -> None:
        clock.freeze(at(1, 9))
        response = self.api.as_(token).post(f"/{type_}s/{activity}/signups")
        assert response.status_code == 201, response.json
        assert response.json["status"] == expect, response.json

    def code_response(self, when: datetime, activity: int | None = None, *, token: str | None = None, type_="session"):
        clock.freeze(when)
        return self.api.as_(token or self.secretary).get(f"/{type_}s/{activity or self.session}/checkin-code")

    def code(self, when: datetime, activity: int | None = None, *, type_: str = "session") -> str:
        response = self.code_response(when, activity, type_=type_)
        assert response.status_code == 200, response.json
        return response.json["code"]

    def check_in(self, token: str, when: datetime, activity: int | None = None, *, type_: str = "session"):
        code = self.code(when, activity, type_=type_)
        return self.api.as_(token).post("/checkins", {"code": code})

    def check_out(self, token: str, when: datetime, activity: int | None = None, *, type_: str = "session"):
        code = self.code(when, activity, type_=type_)
        return self.api.as_(token).post("/checkouts", {"code": code})

    def attend(self, token, arrive=at(8, 19, 25), leave=at(8, 21, 35), activity=None, *, type_="session"):
        """Check in and out; returns the record as the check-out answered it."""
        checked_in = self.check_in(token, arrive, activity, type_=type_)
        assert checked_in.status_code == 201, checked_in.json
        checked_out = self.check_out(token, leave, activity, type_=type_)
        assert checked_out.status_code == 200, checked_out.json
        return checked_out.json

    def confirm(self, record_id: int, body: dict | None = None, *, token: str | None = None):
        return self.api.as_(token or self.secretary).post(f"/attendance/{record_id}/confirm", body or {})

    def served(self, token, activity=None, arrive=at(8, 19, 25), leave=at(8, 21, 35), type_="session", **confirm):
        """Attended (on time, by default) and confirmed by the secretary; returns the record."""
        record = self.attend(token, arrive, leave, activity, type_=type_)
        confirmed = self.confirm(record["id"], confirm or None)
        assert confirmed.status_code == 200, confirmed.json
        return confirmed.json

    def staff(self, region: str, when: datetime) -> str:
        """A staff member logged in at `when` (staff tokens last hours, not days)."""
        clock.freeze(when)
        return self.build.staff(region)

    def inbox(self, token: str) -> list[dict]:
        return self.api.as_(token).get("/inbox").json["items"]
