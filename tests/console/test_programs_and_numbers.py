"""The console's 项目 page and the national number on the 志愿者 page."""

import pytest

from app.extensions import db
from app.programs import operations as programs
from tests.console.helpers import make_staff, post_form, sign_in, text


@pytest.fixture(autouse=True)
def usual_programs(app):
    """The migration seeds them; a test with real commits elsewhere may have emptied the table since."""
    with app.app_context():
        programs.ensure_usual()
        db.session.commit()


def test_programs_page_lists_and_a_city_keeper_adds_one(app, client):
    make_staff(app, "console-taiyuan", "140100")
    assert sign_in(client, "console-taiyuan").status_code == 302
    page = client.get("/console/programs")
    assert page.status_code == 200 and "希望工程" in text(page) and "新增项目" in text(page)
    added = post_form(client, "/console/programs", {"name": "青春助力行动", "description": ""}, follow=True)
    assert "已新增项目「青春助力行动」" in text(added)


def test_county_staff_see_the_list_but_cannot_add(console):
    page = console.get("/console/programs")
    assert "希望工程" in text(page) and "新增项目" not in text(page)
    refused = post_form(console, "/console/programs", {"name": "县项目"}, token_from="/console/programs")
    assert refused.status_code == 403


def test_a_national_number_is_recorded_from_the_volunteers_page(console, build):
    _, profile = build.volunteer(name="王志愿", home_region="140105001001")
    done = post_form(
        console,
        f"/console/volunteers/{profile['id']}/national-no?q=王志愿",
        {"national_no": "NV000123"},
        token_from="/console/volunteers?q=王志愿",
        follow=True,
    )
    assert "已登记 王志愿 的志愿者统一编号：NV000123" in text(done)
    bad = post_form(
        console,
        f"/console/volunteers/{profile['id']}/national-no?q=王志愿",
        {"national_no": "11010519491231002X"},
        token_from="/console/volunteers?q=王志愿",
        follow=True,
    )
    assert "身份证号" in text(bad)
    _, theirs = build.volunteer(home_region="140106001001")
    other = post_form(
        console,
        f"/console/volunteers/{theirs['id']}/national-no",
        {"national_no": "NV000999"},
        token_from="/console/volunteers",
    )
    assert other.status_code == 404
