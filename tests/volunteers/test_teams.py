"""Joining and leaving the nine area teams."""

from tests.contract import assert_error


def test_join_a_team_then_join_again(api, build):
    token, _ = build.volunteer(areas=["education"])
    first = api.as_(token).post("/teams/medical/members/me")
    assert first.status_code == 201, first.json
    assert first.json["area"] == "medical"
    assert first.json["joined_at"]
    again = api.as_(token).post("/teams/medical/members/me")
    assert again.status_code == 200, again.json
    assert again.json == first.json
    assert api.as_(token).get("/volunteers/me").json["areas"] == ["education", "medical"]


def test_leave_a_team(api, build):
    token, _ = build.volunteer(areas=["education", "medical"])
    response = api.as_(token).delete("/teams/medical/members/me")
    assert response.status_code == 204
    assert api.as_(token).get("/volunteers/me").json["areas"] == ["education"]


def test_leaving_a_team_you_are_not_in(api, build):
    token, _ = build.volunteer(areas=["education", "medical"])
    assert_error(api.as_(token).delete("/teams/culture/members/me"), 404, "not_member")


def test_the_last_team_cannot_be_left(api, build):
    token, _ = build.volunteer(areas=["education"])
    assert_error(api.as_(token).delete("/teams/education/members/me"), 409, "last_team")
    assert api.as_(token).get("/volunteers/me").json["areas"] == ["education"]


def test_an_unknown_area(api, build):
    token, _ = build.volunteer()
    assert_error(api.as_(token).post("/teams/space/members/me"), 422, "validation_failed", "area")
    assert_error(api.as_(token).delete("/teams/space/members/me"), 422, "validation_failed", "area")


def test_teams_are_for_volunteers(api, build):
    assert_error(api.as_(build.login()).post("/teams/medical/members/me"), 404, "not_registered")
    assert_error(api.post("/teams/medical/members/me"), 401, "unauthenticated")


def test_the_nine_areas(api):
    response = api.get("/areas")
    assert response.status_code == 200
    assert [item["code"] for item in response.json["items"]] == [
        "industry", "ecology", "environment", "medical", "culture",
        "disability", "welfare", "relief", "education",
    ]  # fmt: skip
    assert response.json["items"][8]["name"] == "教育"
