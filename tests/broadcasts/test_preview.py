"""The audience size before sending: broadcasts.audience_size and POST /broadcasts/preview count the
people exactly as sending resolves them (the same query), and send nothing."""

import pytest
from sqlalchemy import func, select

from app.broadcasts.models import Broadcast
from app.extensions import db
from app.notify.models import Message
from tests.broadcasts.helpers import Person, broadcast_body, post
from tests.contract import assert_error, created
from tests.fixtures import ELSEWHERE, VILLAGE

AUDIENCES = [
    {},
    {"areas": ["education"]},
    {"areas": ["medical", "education"]},
    {"roles": ["secretary"]},
    {"roles": ["volunteer"]},
    {"roles": ["volunteer", "secretary"], "areas": ["education"]},
    {"region": VILLAGE},
    {"region": "140105001"},
    {"areas": ["culture"]},
]


def preview(api, token, **audience):
    return api.as_(token).post("/broadcasts/preview", {"audience": {"region": "140105", **audience}})


@pytest.mark.parametrize("audience", AUDIENCES, ids=lambda a: ",".join(f"{k}={v}" for k, v in a.items()) or "all")
def test_the_preview_is_what_sending_writes(app, api, build, county, education_team, audience):
    teacher = education_team["teacher"]
    assert api.as_(county).post("/secretaries", {"user_id": teacher.user_id, "village": VILLAGE}).status_code == 201
    Person(api, build.secretary(VILLAGE.replace("001001", "001002"))[0])  # a secretary outside every team
    Person(api, build.secretary(ELSEWHERE)[0])
    counted = preview(api, county, **audience)
    assert counted.status_code == 200, counted.json
    sent = created(post(api, county, broadcast_body(**audience)))
    with app.app_context():
        written = db.session.scalar(select(func.count()).where(Message.broadcast_id == sent["id"]))
    assert counted.json == {"recipients": sent["recipients"]} and written == sent["recipients"]


def test_previewing_sends_and_records_nothing(app, api, county, education_team):
    assert preview(api, county).json == {"recipients": 4}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Broadcast)) == 0
        assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_withdrawn_people_are_not_counted(api, county, education_team):
    assert preview(api, county, areas=["education"]).json == {"recipients": 3}
    assert api.as_(education_team["teacher"].token).delete("/volunteers/me").status_code in (200, 204)
    assert preview(api, county, areas=["education"]).json == {"recipients": 2}


def test_only_staff_in_scope_preview(api, build, county, education_team):
    assert_error(preview(api, county, region="140106"), 403, "out_of_scope")
    volunteer = education_team["teacher"].token
    assert preview(api, volunteer).status_code == 403
    assert preview(api, build.secretary(VILLAGE)[0]).status_code == 403
    assert api.post("/broadcasts/preview", {"audience": {"region": "140105"}}).status_code == 401
    bad = preview(api, county, areas=["astrology"])
    assert bad.status_code == 422 and "audience.areas.0" in bad.json["error"]["fields"]
    assert preview(api, county, region="149999").status_code == 422
