"""Fixtures every folder may use (a plugin: the root pytest_plugins lists it), and the
calendar and places they are set in.

None of them is autouse here: a folder whose tests all plan on the same day asks for `calendar`
(and `cheap_passwords`) in one autouse fixture of its own.
"""

import itertools
from datetime import datetime

import pytest
from argon2 import PasswordHasher

from app.accounts import operations as accounts
from app.core import auth, clock
from app.core.access import Principal
from app.core.clock import SERVICE_ZONE
from app.extensions import db

VILLAGE = "140105001001"  # 小店村, county 140105
NEIGHBOUR = "140105001002"  # 西温庄村, the same county
ELSEWHERE = "140106001001"  # 迎泽村, county 140106


def at(day: int, hour: int, minute: int = 0, *, month: int = 12, year: int = 2026) -> datetime:
    """A moment in Shanxi (Asia/Shanghai), in December 2026 unless told otherwise."""
    return datetime(year, month, day, hour, minute, tzinfo=SERVICE_ZONE)


NOW = at(1, 9)  # Tuesday 1 December 2026, 09:00 in Shanxi


@pytest.fixture
def calendar():
    """The service clock stands at NOW (the transaction fixture lets it go after the test)."""
    clock.freeze(NOW)


@pytest.fixture
def cheap_passwords(monkeypatch):
    """Staff accounts hash passwords with argon2; tests not about that hash cheaply."""
    monkeypatch.setattr(accounts, "passwords", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


_usernames = itertools.count(1)


class Hire:
    """Staff and secretaries made by the accounts operations, not over HTTP: the login routes are
    rate-limited and argon2 is slow on purpose, and neither is what these tests are about. The
    tokens are real ones; secretaries log in with WeChat as in production."""

    def __init__(self, app, build):
        self.app, self.build = app, build

    def staff(self, region: str = "140105") -> str:
        with self.app.app_context():
            account = accounts.create_staff(f"activities{next(_usernames)}", "correct-horse-battery", region)
            token = auth.issue_token(account.user_id, "staff", self.app.config["TOKEN_TTL_STAFF"])
            db.session.commit()
        return token

    def secretary(self, village: str = VILLAGE) -> tuple[str, int]:
        token = self.build.login()
        user = self.build.api.as_(token).get("/me").json["id"]
        with self.app.app_context():
            accounts.appoint_secretary(Principal(user_id=user, roles=frozenset({"admin"})), user, village)
            db.session.commit()
        return token, user


class Crowd:
    """Registered volunteers (bearer tokens), each made the first time a test asks for it."""

    def __init__(self, build):
        self.build, self.tokens = build, []

    def __getitem__(self, index: int | slice):
        wanted = index.stop if isinstance(index, slice) else index + 1
        while len(self.tokens) < wanted:
            self.tokens.append(self.build.volunteer()[0])
        return self.tokens[index]


@pytest.fixture
def people(build) -> Crowd:
    return Crowd(build)


@pytest.fixture
def hire(app, build) -> Hire:
    return Hire(app, build)


@pytest.fixture
def secretary(hire) -> str:
    """The league secretary of 小店村."""
    return hire.secretary(VILLAGE)[0]


@pytest.fixture
def county(hire) -> str:
    """Staff of 小店区 (140105), the county that holds 小店村."""
    return hire.staff("140105")


# --- what a person sees in the mini-program ------------------------------------------------------


def inbox(api, token) -> list[dict]:
    response = api.as_(token).get("/inbox", limit=100)
    assert response.status_code == 200, response.json
    return response.json["items"]


def titles(api, token) -> list[str]:
    return [message["title"] for message in inbox(api, token)]


def user_id(api, token) -> int:
    return api.as_(token).get("/me").json["id"]
