"""The yearly assessment sheet: its figures are GET /stats's for the same region and year; beside them relay
weeks, spot-check results, the self-check and the targets staff above set. Data: tests/stats/dataset.py."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from tests.contract import assert_error, created

pytestmark = pytest.mark.usefixtures("dataset")

YEAR = {"from": "2026-01-01", "to": "2026-12-31"}


def put_targets(api, token, body: dict):
    return api.client.put("/api/v1/assessment/targets", json=body, headers={"Authorization": f"Bearer {token}"})


def sheet(api, token, **params) -> dict:
    response = api.as_(token).get("/assessment/sheet", **params)
    assert response.status_code == 200, response.json
    return response.json


@pytest.mark.parametrize("region", ["140105", "140100", "140000"])
def test_the_sheet_equals_the_statistics_for_the_same_scope(api, hire, region):
    province = hire.staff("140000")
    answer = sheet(api, province, region=region, year=2026)
    stats = api.as_(province).get("/stats", region=region, **YEAR).json
    assert (answer["from"], answer["to"]) == (stats["from"], stats["to"])
    assert answer["figures"] == stats["region"]["figures"]
    assert [row["figures"] for row in answer["children"]] == [row["figures"] for row in stats["children"]]
    lines = {line["key"]: line["value"] for line in answer["lines"]}
    figures = stats["region"]["figures"]
    for key in (
        "volunteers",
        "active_volunteers",
        "hours",
        "needs_posted",
        "needs_filled",
        "fill_rate",
        "sessions_held",
    ):
        assert lines[key] == figures[key], key
    assert lines["villagers_reached"] == answer["villagers_reached"] == figures["villagers"]
    assert answer["programs"] == stats["programs"]


def test_a_county_sheet_by_hand(api, county):
    answer = sheet(api, county, year=2026)
    assert answer["region"] == "140105" and answer["name"] == "小店区"
    lines = {line["key"]: line for line in answer["lines"]}
    assert (lines["volunteers"]["value"], lines["hours"]["value"], lines["fill_rate"]["value"]) == (
        5,
        8.0,
        0.5,
    )  # v7 registers on 5 December
    assert all(line["target"] is None and line["met"] is None for line in answer["lines"])
    assert answer["relay"] == {"weeks": 0, "covered": 0, "gaps": 0}
    assert answer["spot_checks"]["drawn"] == 0 and answer["self_check_done"] is False
    # Villagers the secretaries entered for n1, n5 and s1 (dataset.py).
    assert (answer["villagers_reached"], answer["villagers_poor"]) == (50, 7)
    assert [(row["name"], row["hours"]) for row in answer["programs"]] == [("希望工程", 4.5), ("七彩假期", 3.0)]


def test_the_province_checks_a_city_and_the_city_sees_it(api, hire):
    province, city = hire.staff("140000"), hire.staff("140100")
    check = created(api.as_(province).post("/spot-checks", {"region": "140100", **YEAR, "size": 7}))
    items = check["items"]
    for item in items[:5]:
        api.as_(province).post(f"/spot-checks/{check['id']}/items/{item['record_id']}", {"result": "confirmed"})
    wrong = items[5]["record_id"]
    answer = api.as_(province).post(
        f"/spot-checks/{check['id']}/items/{wrong}",
        {"result": "discrepancy", "note": "组织者未能提供签到记录", "hours": 0},
    )
    assert answer.status_code == 200, answer.json
    city_sheet = sheet(api, city, year=2026)
    assert city_sheet["spot_checks"] == {"drawn": 7, "confirmed": 5, "discrepancies": 1, "corrected": 1, "pending": 1}
    # Each county's sheet counts the items of its own records.
    county_counts = [
        sheet(api, province, region=code, year=2026)["spot_checks"]["drawn"] for code in ("140105", "140106")
    ]
    assert county_counts == [6, 1]
    assert sheet(api, city, year=2025)["spot_checks"]["drawn"] == 0


def test_targets_come_from_above(api, hire, county):
    city, neighbour = hire.staff("140100"), hire.staff("140106")
    body = {"region": "140105", "year": 2026, "volunteers": 3, "hours": 100, "fill_rate": 0.4}
    assert_error(put_targets(api, county, body), 403, "target_level", "region")
    assert_error(put_targets(api, neighbour, body), 403, "out_of_scope", "region")
    answer = put_targets(api, city, body)
    assert answer.status_code == 200, answer.json
    assert (answer.json["volunteers"], answer.json["needs_posted"]) == (3, None)
    lines = {line["key"]: line for line in sheet(api, county, year=2026)["lines"]}
    assert (lines["volunteers"]["target"], lines["volunteers"]["met"]) == (3, True)
    assert (lines["hours"]["target"], lines["hours"]["met"]) == (100, False)
    assert (lines["fill_rate"]["target"], lines["fill_rate"]["met"]) == (0.4, True)
    assert lines["sessions_held"]["met"] is None
    again = put_targets(api, city, {**body, "hours": 5})
    assert again.json["hours"] == 5
    assert_error(put_targets(api, city, {**body, "fill_rate": 80}), 422, "validation_failed", "fill_rate")


def test_a_county_marks_its_self_check(api, hire, county):
    city = hire.staff("140100")
    body = {**YEAR, "findings": "全年服务记录逐条核对，发现两条签退时间有误，已更正。"}
    assert_error(api.as_(city).post("/self-checks", {**body, "region": "140105"}), 403, "own_region_only", "region")
    assert_error(
        api.as_(county).post("/self-checks", {**body, "findings": "赌博内容"}), 422, "content_unsafe", "findings"
    )
    done = created(api.as_(county).post("/self-checks", body))
    assert (done["region"], done["from"], done["to"]) == ("140105", "2026-01-01", "2026-12-31")
    assert_error(api.as_(county).post("/self-checks", body), 409, "self_check_exists")
    answer = sheet(api, county, year=2026)
    assert answer["self_check_done"] is True and answer["self_checks"][0]["findings"] == body["findings"]
    assert sheet(api, city, year=2026)["self_check_done"] is False  # the city has not done its own
    assert [c["region"] for c in api.as_(city).get("/self-checks", year=2026).json["items"]] == ["140105"]


def test_no_sheet_crosses_a_region_boundary(api, hire, county, build):
    neighbour = hire.staff("140106")
    assert_error(api.as_(neighbour).get("/assessment/sheet", region="140105", year=2026), 403, "out_of_scope", "region")
    assert_error(api.as_(county).get("/assessment/sheet", region="140100", year=2026), 403, "out_of_scope", "region")
    assert_error(api.as_(neighbour).get("/assessment/sheet.xlsx", region="140105", year=2026), 403, "out_of_scope")
    volunteer, _ = build.volunteer()
    assert_error(api.as_(volunteer).get("/assessment/sheet", year=2026), 403, "forbidden")
    assert_error(api.as_(county).get("/assessment/sheet", year=1999), 422, "validation_failed", "year")


def test_the_sheet_as_xlsx(api, county):
    response = api.as_(county).get("/assessment/sheet.xlsx", year=2026)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="assessment-140105-2026.xlsx"'
    book = load_workbook(BytesIO(response.data), read_only=True)
    rows = {row[0]: row for row in book["年度考核表"].iter_rows(values_only=True) if row and row[0]}
    assert rows["注册志愿者（人）"][1] == 5 and rows["服务时长（小时）"][1] == 8.0 and rows["报满率"][1] == "50.0%"
    assert rows["自查"][1] == "未完成"
    assert rows["服务村民"][2] == 50 and rows["服务村民"][4] == 7
    programs = list(book["按项目"].iter_rows(values_only=True))
    assert [(row[0], row[6], row[7]) for row in programs[1:]] == [("希望工程", 4.5, 20), ("七彩假期", 3.0, 30)]
    children = list(book["下级区划"].iter_rows(values_only=True))
    assert [row[0] for row in children[1:]] == ["140105001", "140105002"]


def test_the_sheet_is_in_the_openapi_document(api):
    paths = api.get("/openapi.json").json["paths"]
    for path in ("/api/v1/spot-checks", "/api/v1/spot-checks/{id}", "/api/v1/spot-checks/{id}/items/{record_id}",
                 "/api/v1/self-checks", "/api/v1/assessment/targets", "/api/v1/assessment/sheet",
                 "/api/v1/assessment/sheet.xlsx", "/api/v1/nominations", "/api/v1/nominations/{id}/review",
                 "/api/v1/pioneers", "/api/v1/rankings/hours"):  # fmt: skip
        assert path in paths, path
