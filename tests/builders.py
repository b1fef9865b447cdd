"""Builders that make the people a test needs, through the same paths real users take."""

import itertools

from app.accounts import operations as accounts
from app.extensions import db
from config.catalog import PRIVACY_POLICY_VERSION

STAFF_PASSWORD = "correct-horse-battery"
_numbers = itertools.count(1)


def registration(**overrides) -> dict:
    n = next(_numbers)
    data = {
        "name": "张志愿",
        "phone": f"139{n:08d}",
        "home_region": "140105001001",
        "areas": ["education"],
        "skills": ["支教"],
        "availability": [{"weekday": 6, "start": "09:00", "end": "17:00"}],
        "consent": {"version": PRIVACY_POLICY_VERSION},
    }
    data.update(overrides)
    return data


class Builders:
    def __init__(self, app, api):
        self.app = app
        self.api = api

    def login(self, name: str | None = None) -> str:
        response = self.api.post("/auth/wechat-login", {"code": f"dev:{name or next(_numbers)}"})
        assert response.status_code == 200, response.json
        return response.json["token"]

    def volunteer(self, **overrides) -> tuple[str, dict]:
        token = self.login()
        response = self.api.as_(token).post("/volunteers/me", registration(**overrides))
        assert response.status_code == 201, response.json
        return token, response.json

    def staff(self, region: str = "140105", *, admin: bool = False, username: str | None = None) -> str:
        username = username or f"staff{next(_numbers)}"
        with self.app.app_context():
            accounts.create_staff(username, STAFF_PASSWORD, region, admin=admin)
            db.session.commit()
        response = self.api.post("/auth/staff-login", {"username": username, "password": STAFF_PASSWORD})
        assert response.status_code == 200, response.json
        return response.json["token"]

    def secretary(self, village: str = "140105001001") -> tuple[str, int]:
        token = self.login()
        user_id = self.api.as_(token).get("/me").json["id"]
        county_staff = self.staff(village[:6])
        response = self.api.as_(county_staff).post("/secretaries", {"user_id": user_id, "village": village})
        assert response.status_code == 201, response.json
        return token, user_id
