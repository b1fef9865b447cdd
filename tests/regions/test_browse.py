"""Browsing the tree, as the mini-program's region picker does."""

import pytest

from tests.contract import assert_error

SHANXI_CITIES = [
    "太原市",
    "大同市",
    "阳泉市",
    "长治市",
    "晋城市",
    "朔州市",
    "晋中市",
    "运城市",
    "忻州市",
    "临汾市",
    "吕梁市",
]


def test_without_parent_the_picker_starts_at_shanxi(api):
    response = api.get("/regions")
    assert response.status_code == 200, response.json
    assert [(r["code"], r["name"], r["level"]) for r in response.json["items"]] == [("140000", "山西省", "province")]


def test_shanxi_lists_its_eleven_cities(api):
    items = api.get("/regions", parent="140000").json["items"]
    assert [r["name"] for r in items] == SHANXI_CITIES
    assert {r["level"] for r in items} == {"city"} and {r["parent"] for r in items} == {"140000"}


def test_taiyuan_lists_its_counties_by_their_official_names(api):
    items = api.get("/regions", parent="140100").json["items"]
    names = {r["code"]: r["name"] for r in items}
    assert names["140105"] == "小店区"
    assert names["140181"] == "古交市"
    assert len(names) == 10 and {r["level"] for r in items} == {"county"}


def test_a_township_lists_its_villages(api):
    items = api.get("/regions", parent="140105001").json["items"]
    assert [(r["code"], r["name"], r["level"]) for r in items] == [
        ("140105001001", "小店村", "village"),
        ("140105001002", "西温庄村", "village"),
    ]


def test_a_village_has_nothing_below(api):
    response = api.get("/regions", parent="140105001001")
    assert response.status_code == 200 and response.json["items"] == []


@pytest.mark.parametrize("parent", ["149900", "140105999", "140105001999"])
def test_an_unknown_parent_is_not_found(api, parent):
    assert_error(api.get("/regions", parent=parent), 404, "region_not_found")


@pytest.mark.parametrize("parent", ["12", "abc", "1401050", "１４０１０５", ""])
def test_a_malformed_parent_names_the_field(api, parent):
    assert_error(api.get("/regions", parent=parent), 422, "validation_failed", "parent")


def test_one_region_shows_its_flags_and_parent(api):
    response = api.get("/regions/140105")
    assert response.status_code == 200, response.json
    assert response.json == {
        "code": "140105",
        "name": "小店区",
        "level": "county",
        "parent": "140100",
        "deep_poverty": False,
        "poor_village": False,
    }


def test_one_unknown_or_malformed_region(api):
    assert_error(api.get("/regions/140105009"), 404, "region_not_found")
    assert_error(api.get("/regions/14x105"), 422, "validation_failed", "code")
