"""Staff mark 贫困村 and 深度贫困县 within their own region; every change is in the audit trail."""

from tests.contract import assert_error
from tests.regions.helpers import audit_rows

VILLAGE = "140105001002"  # 西温庄村, in 小店区 (140105)
OTHER_COUNTY_VILLAGE = "140106001001"  # 迎泽村, in 迎泽区 (140106)


def test_county_staff_marks_a_village_poor_and_everyone_sees_it(api, build):
    staff = build.staff("140105")
    response = api.as_(staff).patch(f"/regions/{VILLAGE}", {"poor_village": True})
    assert response.status_code == 200, response.json
    assert response.json["poor_village"] is True
    assert api.get(f"/regions/{VILLAGE}").json["poor_village"] is True
    assert [r["poor_village"] for r in api.get("/regions", parent="140105001").json["items"]] == [False, True]


def test_city_staff_marks_a_county_deep_poverty(api, build):
    staff = build.staff("140100")
    response = api.as_(staff).patch("/regions/140123", {"deep_poverty": True})
    assert response.status_code == 200, response.json
    assert api.get("/regions/140123").json["deep_poverty"] is True


def test_staff_cannot_flag_a_village_of_another_county(api, build):
    staff = build.staff("140105")
    response = api.as_(staff).patch(f"/regions/{OTHER_COUNTY_VILLAGE}", {"poor_village": True})
    # Exactly what a missing region looks like, so nothing is learnt about other counties.
    assert assert_error(response, 404, "region_not_found") == assert_error(
        api.as_(staff).patch("/regions/140106001999", {"poor_village": True}), 404, "region_not_found"
    )
    assert api.get(f"/regions/{OTHER_COUNTY_VILLAGE}").json["poor_village"] is False
    assert audit_rows(OTHER_COUNTY_VILLAGE) == []


def test_a_volunteer_may_not_set_flags(api, build):
    token, _ = build.volunteer()
    assert_error(api.as_(token).patch(f"/regions/{VILLAGE}", {"poor_village": True}), 403, "forbidden")
    assert api.get(f"/regions/{VILLAGE}").json["poor_village"] is False


def test_without_a_token_the_caller_is_asked_to_log_in(api):
    assert_error(api.patch(f"/regions/{VILLAGE}", {"poor_village": True}), 401, "unauthenticated")


def test_a_flag_on_the_wrong_level_is_refused_in_chinese(api, build):
    staff = build.staff("140105")
    error = assert_error(
        api.as_(staff).patch(f"/regions/{VILLAGE}", {"deep_poverty": True}),
        422,
        "validation_failed",
        "deep_poverty",
    )
    assert "县级" in error["fields"]["deep_poverty"]
    assert_error(api.as_(staff).patch("/regions/140105", {"poor_village": True}), 422, "validation_failed")
    assert api.get(f"/regions/{VILLAGE}").json["deep_poverty"] is False


def test_a_flag_must_be_true_or_false(api, build):
    staff = build.staff("140105")
    response = api.as_(staff).patch(f"/regions/{VILLAGE}", {"poor_village": "maybe"})
    assert_error(response, 422, "validation_failed", "poor_village")


def test_each_change_writes_one_audit_row_naming_the_staff_member(api, build, ctx):
    staff = build.staff("140105")
    staff_id = api.as_(staff).get("/me").json["id"]
    api.as_(staff).patch(f"/regions/{VILLAGE}", {"poor_village": True})
    api.as_(staff).patch(f"/regions/{VILLAGE}", {"poor_village": False})
    rows = audit_rows(VILLAGE)
    assert [(r.action, r.before, r.after, r.actor_id, r.region_code) for r in rows] == [
        ("update", {"poor_village": False}, {"poor_village": True}, staff_id, VILLAGE),
        ("update", {"poor_village": True}, {"poor_village": False}, staff_id, VILLAGE),
    ]


def test_setting_a_flag_to_what_it_already_is_leaves_no_audit_row(api, build, ctx):
    staff = build.staff("140105")
    response = api.as_(staff).patch(f"/regions/{VILLAGE}", {"poor_village": False})
    assert response.status_code == 200, response.json
    api.as_(staff).patch(f"/regions/{VILLAGE}", {})
    assert audit_rows(VILLAGE) == []
