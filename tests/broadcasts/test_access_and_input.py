"""Who may broadcast to whom, and what a broadcast must say."""

import pytest

from tests.broadcasts.helpers import broadcast_body, hours, inbox_titles, post
from tests.contract import assert_error, created
from tests.fixtures import ELSEWHERE, NOW


def test_a_region_outside_the_staff_members_scope_is_named_out_of_scope(api, build, county, education_team):
    for region in ("140106", ELSEWHERE, "140100", "140000"):
        assert_error(post(api, county, broadcast_body(region=region)), 403, "out_of_scope", "audience.region")
    assert_error(post(api, county, broadcast_body(region="140105009009")), 422, "validation_failed", "audience.region")
    assert inbox_titles(api, education_team["other_county_teacher"]) == []


def test_city_and_province_staff_reach_their_counties(api, build, education_team):
    city = build.staff("140100")
    assert created(post(api, city, broadcast_body(region="140106")))["recipients"] == 1
    province = build.staff("140000")
    assert created(post(api, province, broadcast_body(region="140000", areas=["education"])))["recipients"] == 4


def test_volunteers_and_secretaries_may_not_broadcast(api, build, education_team):
    assert_error(post(api, education_team["teacher"].token, broadcast_body()), 403, "forbidden")
    secretary, _ = build.secretary()
    assert_error(post(api, secretary, broadcast_body()), 403, "forbidden")
    assert_error(post(api, None, broadcast_body()), 401, "unauthenticated")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"audience": {}}, "audience.region"),
        ({"audience": {"region": "140105", "areas": ["cooking"]}}, "audience.areas.0"),
        ({"audience": {"region": "140105", "areas": []}}, "audience.areas"),
        ({"audience": {"region": "140105", "areas": ["education", "education"]}}, "audience.areas"),
        ({"audience": {"region": "140105", "roles": ["staff"]}}, "audience.roles.0"),
        ({"audience": {"region": "1401"}}, "audience.region"),
        ({"title": "通" * 41}, "title"),
        ({"title": ""}, "title"),
        ({"body": ""}, "body"),
        ({"send_at": "2026-12-01 10:00"}, "send_at"),
        ({"send_at": (NOW - hours(1)).isoformat()}, "send_at"),
        ({"urgent": True}, "urgent"),
    ],
)
def test_bad_input_is_refused_by_field(api, county, change, field):
    assert_error(post(api, county, {**broadcast_body(), **change}), 422, "validation_failed", field)
    assert api.as_(county).get("/broadcasts").json["items"] == []


def test_a_region_code_that_does_not_exist_is_refused(api, county):
    assert_error(post(api, county, broadcast_body(region="140105009009")), 422, "validation_failed", "audience.region")


def test_a_title_of_forty_characters_is_fine(api, county):
    assert created(post(api, county, {**broadcast_body(), "title": "通" * 40}))["title"] == "通" * 40


@pytest.mark.parametrize("field", ["title", "body"])
def test_unsafe_text_is_refused(api, county, field):
    assert_error(post(api, county, {**broadcast_body(), field: "加入六合彩群"}), 422, "content_unsafe", field)
