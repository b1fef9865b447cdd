"""Villagers reached: the organiser enters how many villagers took part (and from poor households) when
confirming; counts only, checked, kept on the activity, audited."""

import pytest

from tests.contract import assert_error


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"villagers": -1}, "villagers"),
        ({"villagers": 10_001}, "villagers"),
        ({"villagers": 10, "poor_households": 11}, "poor_households"),
        ({"poor_households": 3}, "poor_households"),
        ({"villagers": "12"}, "villagers"),
        ({"villagers": 1.5}, "villagers"),
    ],
)
def test_bad_counts_are_refused_and_the_record_stays_unconfirmed(site, body, field):
    record = site.attend(site.volunteer())
    assert_error(site.confirm(record["id"], body), 422, "validation_failed", field)
    assert site.confirm(record["id"]).json["status"] == "confirmed"  # nothing was half-done


def test_counts_given_when_confirming_stay_on_the_activity(site, api):
    first, second = site.volunteer(), site.volunteer()
    one, two = site.attend(first), site.attend(second)
    confirmed = site.confirm(one["id"], {"villagers": 35, "poor_households": 12})
    assert confirmed.status_code == 200, confirmed.json
    assert (confirmed.json["activity"]["villagers"], confirmed.json["activity"]["poor_households"]) == (35, 12)
    # The second confirmation without counts leaves them; with counts, the latest stands.
    assert site.confirm(two["id"]).json["activity"]["villagers"] == 35
    session = api.get(f"/sessions/{site.session}").json
    assert (session["villagers"], session["poor_households"]) == (35, 12)


def test_the_latest_count_stands(site, api):
    one, two = site.attend(site.volunteer()), site.attend(site.volunteer())
    site.confirm(one["id"], {"villagers": 20})
    site.confirm(two["id"], {"villagers": 28, "poor_households": 0})
    session = api.get(f"/sessions/{site.session}").json
    assert (session["villagers"], session["poor_households"]) == (28, 0)
