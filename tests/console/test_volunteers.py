"""志愿者: the whole phone number is read through an audited POST (volunteers.unmask_phone) by staff whose
region holds the volunteer's home, shown once; another county's staff get 404, a form without its token 400."""

import json
import re

from sqlalchemy import select

from app.core.audit import AuditEntry
from app.extensions import db
from tests.console.helpers import make_staff, post_form, sign_in, text

PHONE = "13800001111"


def unmask_path(page: str) -> str:
    found = re.search(r'action="(/console/volunteers/\d+/phone[^"]*)"', page)
    assert found, "no unmask form"
    return found.group(1).replace("&amp;", "&")


def unmask_entries(app) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "unmask")))


def test_county_staff_see_the_number_once_and_it_is_audited(app, build, console):
    _, profile = build.volunteer(name="王小明", phone=PHONE, home_region="140105001001")
    listing = text(console.get("/console/volunteers", query_string={"q": "王小"}))
    assert PHONE not in listing and "138****1111" in listing and "每次查看都记入审计" in listing
    path = unmask_path(listing)
    response = post_form(console, path, {}, token_from="/console/volunteers?q=王小")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert f"data-phone>{PHONE}<" in text(response) and "本次查看已记入审计" in text(response)
    (entry,) = unmask_entries(app)
    assert entry.object_type == "volunteer" and entry.object_id == str(profile["id"])
    assert entry.actor_id is not None and entry.region_code == "140105001001"
    assert entry.after == {"field": "phone"}
    with app.app_context():
        everything = [json.dumps([row.before, row.after]) for row in db.session.scalars(select(AuditEntry))]
    assert not any(PHONE in row for row in everything)
    assert PHONE not in text(console.get("/console/volunteers", query_string={"q": "王小"}))  # masked again


def test_another_county_s_staff_get_404_and_nothing_is_audited(app, build, client):
    _, profile = build.volunteer(name="王小明", phone=PHONE, home_region="140105001001")
    make_staff(app, "console-yingze-unmask", "140106")
    sign_in(client, "console-yingze-unmask")
    path = f"/console/volunteers/{profile['id']}/phone"
    response = post_form(client, path, {}, token_from="/console/volunteers")
    assert response.status_code == 404 and PHONE not in text(response)
    assert (
        post_form(client, "/console/volunteers/999999/phone", {}, token_from="/console/volunteers").status_code == 404
    )
    assert unmask_entries(app) == []


def test_unmasking_is_a_post_with_its_token(app, build, console):
    _, profile = build.volunteer(phone=PHONE, home_region="140105001001")
    path = f"/console/volunteers/{profile['id']}/phone"
    assert console.get(path).status_code == 405
    assert console.post(path).status_code == 400
    assert unmask_entries(app) == []


def test_city_staff_unmask_in_their_counties(app, build, client):
    _, profile = build.volunteer(phone=PHONE, home_region="140105001001")
    make_staff(app, "console-taiyuan-unmask", "140100")
    sign_in(client, "console-taiyuan-unmask")
    response = post_form(client, f"/console/volunteers/{profile['id']}/phone", {}, token_from="/console/volunteers")
    assert response.status_code == 200 and PHONE in text(response)
