"""A volunteer's records, confirmed hours and star level (一星 … 五星)."""

import pytest

from tests.attendance.helpers import at


def records(site, token):
    response = site.api.as_(token).get("/volunteers/me/records")
    assert response.status_code == 200, response.json
    return response.json


def test_only_confirmed_hours_count(site):
    volunteer = site.volunteer()
    later = site.schedule(at(15, 19, 30), at(15, 21, 0), title="青年讲习所：政策宣讲")
    site.sign_up(volunteer, later)
    site.served(volunteer)  # 2 h, confirmed
    site.attend(volunteer, at(15, 19, 30), at(15, 21, 0), activity=later)  # 1.5 h, not yet confirmed

    mine = records(site, volunteer)

    assert mine["total_hours"] == 2.0
    assert [(r["activity"]["id"], r["status"], r["hours"], r["confirmed_hours"]) for r in mine["items"]] == [
        (later, "checked_out", 1.5, None),
        (site.session, "confirmed", 2.0, 2.0),
    ]
    assert all(r["volunteer"] is None for r in mine["items"])


def test_a_new_volunteer_has_no_hours_and_no_star(site):
    mine = records(site, site.volunteer())
    assert mine == {
        "items": [],
        "total_hours": 0,
        "star_level": 0,
        "next_star_hours": 100,
        "volunteer_no": mine["volunteer_no"],
        "national_no": None,  # until staff record the national system's number
    }


def test_nobody_elses_records_are_shown(site):
    site.served(site.volunteer())
    assert records(site, site.volunteer())["items"] == []


@pytest.mark.parametrize(
    ("thresholds", "stars", "next_star"),
    [
        ([1, 3, 6, 10, 15], 1, 3),
        ([2, 3, 6, 10, 15], 1, 3),  # exactly at a threshold counts
        ([3, 6, 9, 12, 15], 0, 3),
        ([0.5, 1, 1.5, 2, 2.5], 4, 2.5),
        ([0.25, 0.5, 1, 1.5, 2], 5, None),
    ],
)
def test_the_star_level_follows_the_thresholds_in_configuration(site, app, monkeypatch, thresholds, stars, next_star):
    monkeypatch.setitem(app.config, "STAR_THRESHOLDS", thresholds)
    volunteer = site.volunteer()
    site.served(volunteer)

    mine = records(site, volunteer)

    assert (mine["total_hours"], mine["star_level"], mine["next_star_hours"]) == (2.0, stars, next_star)


def test_hours_from_several_activities_add_up_to_a_star(site, app, monkeypatch):
    monkeypatch.setitem(app.config, "STAR_THRESHOLDS", [3, 6, 9, 12, 15])
    volunteer = site.volunteer()
    later = site.schedule(at(15, 19, 30), at(15, 21, 0), title="青年讲习所：政策宣讲")
    site.sign_up(volunteer, later)
    site.served(volunteer)
    assert records(site, volunteer)["star_level"] == 0

    site.served(volunteer, later, at(15, 19, 30), at(15, 21, 0))

    mine = records(site, volunteer)
    assert (mine["total_hours"], mine["star_level"], mine["next_star_hours"]) == (3.5, 1, 6)
