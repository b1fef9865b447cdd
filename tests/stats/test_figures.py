"""The figures of the small province in dataset.py, counted by hand, through the API."""

from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.regions.models import Region
from app.stats import queries
from app.volunteers.models import TeamMembership, Volunteer
from tests.contract import assert_error
from tests.fixtures import at

pytestmark = pytest.mark.usefixtures("dataset")


def stats(api, token, **params) -> dict:
    response = api.as_(token).get("/stats", **params)
    assert response.status_code == 200, response.json
    return response.json


def by_code(rows: list[dict]) -> dict[str, dict]:
    return {row["code"]: row["figures"] for row in rows}


def test_a_county_this_year_by_default(api, county):
    answer = stats(api, county)
    assert (answer["from"], answer["to"]) == ("2026-01-01", "2026-12-01")
    assert answer["region"]["code"] == "140105"
    total = answer["region"]["figures"]
    # v1–v4 (v6 withdrew in June, v7 registered after the period, v5 lives in 140106).
    assert total["volunteers"] == 4
    # v1, v2, v3 and the withdrawn v6 served (confirmed) this year; v4's record is from 2025.
    assert total["active_volunteers"] == 4
    # v1 120+120, v2 90, v3 60+30, v6 60 minutes.
    assert total["hours"] == 8.0
    assert total["hours_year"] == 8.0
    assert total["hours_month"] == 0.5  # r7, on 1 December
    # n1 (filled) and n2 (1 of 3): the rejected n3 and last year's n5 are not counted.
    assert (total["needs_posted"], total["needs_filled"], total["fill_rate"]) == (2, 1, 0.5)
    assert (total["slots"], total["slots_taken"]) == (5, 3)
    # s1 only: s2 is on 5 December, s3 was cancelled. r3, r4 (unconfirmed) and r5 came; 4 signed up.
    assert (total["sessions_held"], total["session_signups"], total["session_attendees"]) == (1, 4, 3)
    assert (total["session_capacity"], total["attendance_rate"]) == (30, 0.75)


def test_each_township_and_what_belongs_to_none(api, county):
    answer = stats(api, county)
    rows = by_code(answer["children"])
    assert set(rows) == {"140105001", "140105002"}
    first, second = rows["140105001"], rows["140105002"]
    assert (first["volunteers"], first["active_volunteers"], first["hours"]) == (2, 2, 5.5)
    assert (first["needs_posted"], first["needs_filled"], first["sessions_held"]) == (1, 1, 1)
    assert (second["volunteers"], second["active_volunteers"], second["hours"]) == (1, 1, 1.5)
    assert (second["needs_posted"], second["needs_filled"], second["fill_rate"]) == (1, 0, 0.0)
    assert (second["sessions_held"], second["attendance_rate"]) == (0, None)
    assert second["hours_month"] == 0.5
    # v4 lives in the county itself and v6's home became the county when they withdrew.
    unassigned = answer["unassigned"]
    assert (unassigned["volunteers"], unassigned["active_volunteers"], unassigned["hours"]) == (1, 1, 1.0)


def test_per_area(api, county):
    areas = {row["area"]: row for row in stats(api, county)["areas"]}
    assert len(areas) == 9
    assert areas["education"]["name"] == "教育"
    education, medical = areas["education"]["figures"], areas["medical"]["figures"]
    # Team members: v1 and v2 teach, v1 and v3 are in the medical team.
    assert (education["volunteers"], medical["volunteers"], areas["culture"]["figures"]["volunteers"]) == (2, 2, 1)
    # Education needs: r1 v1 120, r2 v2 90, r6 v6 60 (n5 was posted last year, served this year).
    assert (education["active_volunteers"], education["hours"]) == (3, 4.5)
    assert (education["needs_posted"], education["needs_filled"]) == (1, 1)
    assert (medical["active_volunteers"], medical["hours"], medical["hours_month"]) == (1, 0.5, 0.5)
    assert education["sessions_held"] is None and education["attendance_rate"] is None


def test_children_add_up_to_the_parent(api, hire):
    province = hire.staff("140000")
    for region in ("140000", "140100", "140105", "140105001"):
        answer = stats(api, province, region=region)
        total = answer["region"]["figures"]
        parts = [row["figures"] for row in answer["children"]]
        if answer["unassigned"]:
            parts.append(answer["unassigned"])
        for name, value in total.items():
            if name in ("fill_rate", "attendance_rate"):
                continue
            assert sum(part[name] for part in parts) == value, (region, name)


def test_a_city_counts_both_counties(api, hire):
    answer = stats(api, hire.staff("140100"))
    total = answer["region"]["figures"]
    assert (total["volunteers"], total["active_volunteers"], total["hours"]) == (5, 5, 9.5)
    assert (total["needs_posted"], total["needs_filled"]) == (3, 2)
    assert (total["sessions_held"], total["session_signups"], total["session_attendees"]) == (2, 9, 5)
    assert answer["unassigned"] is None
    rows = by_code(answer["children"])
    assert rows["140106"]["hours"] == 1.5 and rows["140106"]["session_attendees"] == 2
    assert rows["140105"]["volunteers"] == 4


def test_a_period_chosen_by_dates(api, county):
    answer = stats(api, county, **{"from": "2026-04-10", "to": "2026-04-10"})
    total = answer["region"]["figures"]
    assert (total["active_volunteers"], total["hours"]) == (2, 3.5)  # r1 and r2 only
    assert total["hours_month"] == 3.5  # April, up to the 10th
    assert total["hours_year"] == 4.5  # with v6's January hour
    assert total["needs_posted"] == 0  # n1 was posted on 3 April
    # The year of `to` decides hours_year, however early `from` is.
    answer = stats(api, county, **{"from": "2025-12-01", "to": "2025-12-31"})
    assert answer["region"]["figures"]["hours"] == 1.0  # v4's record of 28 December 2025
    assert answer["region"]["figures"]["needs_posted"] == 1  # n5


def test_the_end_day_is_included_in_china_time(api, county):
    total = stats(api, county, **{"from": "2026-12-01", "to": "2026-12-01"})["region"]["figures"]
    assert total["hours"] == 0.5  # r7 at 08:00 on 1 December in Shanxi (00:00 UTC)
    total = stats(api, county, **{"from": "2026-11-30", "to": "2026-11-30"})["region"]["figures"]
    assert total["hours"] == 0.0


def test_scope(api, hire, build):
    other_county = hire.staff("140106")
    assert_error(api.as_(other_county).get("/stats", region="140105"), 403, "out_of_scope", "region")
    assert_error(api.as_(other_county).get("/stats", region="140000"), 403, "out_of_scope", "region")
    township = stats(api, hire.staff("140105"), region="140105001")
    assert set(by_code(township["children"])) == {"140105001001", "140105001002"}
    volunteer = build.volunteer()[0]
    assert_error(api.as_(volunteer).get("/stats"), 403, "forbidden")
    assert api.get("/stats").status_code == 401
    admin = build.staff("140105", admin=True)
    assert stats(api, admin, region="140106")["region"]["figures"]["volunteers"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"region": "abc"}, "region"),
        ({"region": "999999"}, "region"),
        ({"region": "１４０１０５"}, "region"),
        ({"from": "2026-13-01"}, "from"),
        ({"from": "2026-02-30"}, "from"),
        ({"from": "20260101"}, "from"),
        ({"from": "1700000000"}, "from"),
        ({"to": "2026-01-01T00:00:00+08:00"}, "to"),
        ({"from": "1999-12-31"}, "from"),
        ({"to": "2100-01-01"}, "to"),
        ({"from": "2026-05-02", "to": "2026-05-01"}, "from"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "to"),
        ({"from": "2026-12-02"}, "from"),  # after today, the default end
        ({"extra": "1"}, "extra"),
    ],
)
def test_bad_parameters(api, county, params, field):
    assert_error(api.as_(county).get("/stats", **params), 422, "validation_failed", field)


def test_three_years_are_allowed(api, county):
    assert stats(api, county, **{"from": "2024-01-01", "to": "2026-12-31"})["to"] == "2026-12-31"


def test_villagers_reached_by_the_organisers_village(api, county, hire):
    answer = stats(api, county)
    total = answer["region"]["figures"]
    # n1 12 (5 poor), n5 8 (2), s1 30 (poor not given): all in 小店村; s4 is in the other county.
    assert (total["villagers"], total["villagers_poor"]) == (50, 7)
    rows = by_code(answer["children"])
    assert (rows["140105001"]["villagers"], rows["140105002"]["villagers"]) == (50, 0)
    areas = {row["area"]: row["figures"] for row in answer["areas"]}
    assert (areas["education"]["villagers"], areas["education"]["villagers_poor"]) == (20, 7)  # sessions have no area
    city = stats(api, hire.staff("140100"))["region"]["figures"]
    assert (city["villagers"], city["villagers_poor"]) == (65, 13)
    may = stats(api, county, **{"from": "2026-05-01", "to": "2026-05-31"})["region"]["figures"]
    assert (may["villagers"], may["villagers_poor"]) == (30, 0)


def test_per_program_by_the_organisers_village(api, county, hire):
    programs = {row["name"]: row for row in stats(api, county)["programs"]}
    assert list(programs) == ["希望工程", "七彩假期"]  # the seeded order; programs with nothing have no row
    hope, holiday = programs["希望工程"], programs["七彩假期"]
    # 希望工程: n1 posted in April and filled (n5 was posted last year); r1 120 + r2 90 + r6 60 by v1, v2, v6.
    assert (hope["needs_posted"], hope["needs_filled"], hope["fill_rate"], hope["slots_taken"]) == (1, 1, 1.0, 2)
    assert (hope["volunteers_served"], hope["hours"]) == (3, 4.5)
    assert (hope["villagers"], hope["villagers_poor"], hope["sessions_held"]) == (20, 7, 0)
    # 七彩假期: s1 held, r3 r4 r5 came, r3 120 and r5 60 confirmed.
    assert (holiday["sessions_held"], holiday["session_attendees"]) == (1, 3)
    assert (holiday["volunteers_served"], holiday["hours"], holiday["villagers"]) == (2, 3.0, 30)
    assert (holiday["needs_posted"], holiday["fill_rate"]) == (0, None)
    city = {row["name"]: row for row in stats(api, hire.staff("140100"))["programs"]}
    # The other county adds s4 (r8 v5 90, 15 villagers of 6 poor) to 希望工程 and n4 to 七彩假期.
    hope = city["希望工程"]
    assert (hope["hours"], hope["volunteers_served"], hope["villagers"]) == (6.0, 4, 35)
    assert (city["七彩假期"]["needs_posted"], city["七彩假期"]["needs_filled"]) == (1, 1)
    may = stats(api, county, **{"from": "2026-05-01", "to": "2026-05-31"})["programs"]
    assert [row["name"] for row in may] == ["七彩假期"]


def test_team_members_are_those_in_the_team_by_the_period_s_end(ctx):
    """Counted from team_bits, less those who joined after the period; a member who joined in October is
    in this year's medical team but not in the first half's."""
    v2 = db.session.scalars(select(Volunteer).where(Volunteer.home_region_code == "140105001002")).one()
    v2.teams.append(TeamMembership(area="medical", joined_at=at(1, 9, month=10)))
    db.session.flush()
    county = db.session.get_one(Region, "140105")

    def members(end: date) -> dict[str, int]:
        areas = queries.overview(county, queries.period(date(2026, 1, 1), end)).areas
        return {row.area: row.figures.volunteers for row in areas if row.figures.volunteers}

    assert members(date(2026, 12, 1)) == {"education": 2, "medical": 3, "culture": 1}
    assert members(date(2026, 6, 30)) == {"education": 2, "medical": 2, "culture": 1}
