"""The weekly digest: volunteers who opted in get one inbox message a week listing the soonest open needs of their
teams in their home county; nobody else gets one, and nobody gets two in a week."""

from datetime import datetime

from app.core import clock
from app.dispatch import digest
from app.extensions import db
from bots.jobs import JOBS
from tests.contract import assert_error
from tests.dispatch.helpers import approved_need, offer
from tests.fixtures import NOW, at, inbox
from tests.sessions.helpers import audit_trail

TITLE = "本周身边的志愿服务需求"


def opt_in(api, token, value: bool = True) -> dict:
    response = api.as_(token).patch("/volunteers/me", {"digest_opt_in": value})
    assert response.status_code == 200, response.json
    return response.json


def send_at(app, moment: datetime) -> int:
    """The bot's Monday job at `moment`, committed as the bot commits it."""
    clock.freeze(moment)
    with app.app_context():
        queued = digest.send_weekly()
        db.session.commit()
    return queued


def digests(api, token) -> list[dict]:
    return [m for m in inbox(api, token) if m["title"] == TITLE]


def need_on(api, secretary, county, day: int, **overrides) -> dict:
    """An approved need in 小店村 (education, two slots) on `day` December, 09:00–12:00."""
    return approved_need(
        api,
        secretary,
        county,
        title=overrides.pop("title", f"{day}日课业辅导"),
        starts_at=at(day, 9).isoformat(),
        ends_at=at(day, 12).isoformat(),
        **overrides,
    )


def test_the_opt_in_is_part_of_the_profile(app, api, people):
    assert api.as_(people[0]).get("/volunteers/me").json["digest_opt_in"] is False

    profile = opt_in(api, people[0])
    assert profile["digest_opt_in"] is True
    assert audit_trail(app, "volunteer", profile["id"])[-1]["after"] == {"digest_opt_in": True}
    assert api.as_(people[0]).get("/volunteers/me").json["digest_opt_in"] is True
    assert opt_in(api, people[0], False)["digest_opt_in"] is False
    assert_error(api.as_(people[0]).patch("/volunteers/me", {"digest_opt_in": None}), 422, "validation_failed")


def test_an_opted_in_volunteer_reads_the_five_soonest_needs_of_their_teams_at_home(
    app, api, build, secretary, county, hire
):
    reader = build.volunteer()[0]  # home 小店村 (county 140105), education team
    opt_in(api, reader)
    silent = build.volunteer()[0]  # the same, but never asked for it
    medic = build.volunteer(areas=["medical"])[0]
    opt_in(api, medic)
    for day in (9, 3, 7, 4, 8, 5, 6):  # seven education needs, posted out of order
        need_on(api, secretary, county, day)
    medical = need_on(api, secretary, county, 10, area="medical", title="义诊")
    need_on(api, secretary, county, 2, slots=1, title="已满的需求")
    full = need_on(api, secretary, county, 2, slots=1, title="人满了")
    assert api.as_(silent).post(f"/needs/{full['id']}/signups").status_code == 201
    need_on(api, secretary, county, 16, title="两周以后")  # beyond the 14 days
    # A need of the same team in another county is not near home.
    other = hire.secretary("140106001001")[0]
    need_on(api, other, hire.staff("140106"), 2, title="迎泽村辅导", village="140106001001")

    assert send_at(app, NOW) == 2

    (message,) = digests(api, reader)
    assert message["purpose"] == "notice"
    lines = message["body"].splitlines()[1:-1]
    assert lines == [
        "1. 「已满的需求」12月2日 09:00，小店村，还差 1 人",
        "2. 「3日课业辅导」12月3日 09:00，小店村，还差 2 人",
        "3. 「4日课业辅导」12月4日 09:00，小店村，还差 2 人",
        "4. 「5日课业辅导」12月5日 09:00，小店村，还差 2 人",
        "5. 「6日课业辅导」12月6日 09:00，小店村，还差 2 人",
    ]
    (medics,) = digests(api, medic)
    assert "义诊" in medics["body"] and "课业辅导" not in medics["body"] and medics["link"] == f"need:{medical['id']}"
    assert digests(api, silent) == []


def test_one_digest_a_week_however_often_the_job_runs(app, api, build, secretary, county):
    reader = build.volunteer()[0]
    opt_in(api, reader)
    need_on(api, secretary, county, 10)

    assert send_at(app, NOW) == 1
    assert send_at(app, at(3, 8)) == 0  # still the same ISO week
    assert len(digests(api, reader)) == 1
    assert send_at(app, at(7, 8)) == 1  # Monday: a new week
    assert len(digests(api, reader)) == 2


def test_nothing_is_sent_when_nothing_is_open_near_home(app, api, build, secretary, county, people):
    reader = build.volunteer()[0]
    opt_in(api, reader)
    assert send_at(app, NOW) == 0

    # Their own sign-ups and offers are not news to them.
    mine = need_on(api, secretary, county, 4)
    offered = need_on(api, secretary, county, 5)
    assert api.as_(reader).post(f"/needs/{mine['id']}/signups").status_code == 201
    offer(app, api, reader, offered["id"])
    assert send_at(app, NOW) == 0
    assert digests(api, reader) == []


def test_a_withdrawn_volunteer_gets_no_digest(app, api, build, secretary, county):
    reader = build.volunteer()[0]
    opt_in(api, reader)
    need_on(api, secretary, county, 4)
    assert api.as_(reader).delete("/volunteers/me").status_code == 204

    assert send_at(app, NOW) == 0


def test_the_bot_sends_it_on_monday_mornings_china_time():
    (job,) = [job for job in JOBS if job.name == "dispatch_digest"]

    assert job.function == "app.dispatch.digest:send_weekly"
    # From Tuesday 1 December the next run is Monday 7 December, 08:00 in Shanxi.
    assert job.trigger.get_next_fire_time(None, NOW) == at(7, 8)
