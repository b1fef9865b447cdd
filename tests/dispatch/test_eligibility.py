"""Reach by region code, weekly availability, skills and the cost terms a round uses."""

from datetime import UTC, datetime

import numpy as np
import pytest

from app.dispatch.eligibility import (
    DEFAULT_WEIGHTS,
    ZONE,
    available,
    cost_terms,
    day_masks,
    edge_costs,
    encode_codes,
    reach_level,
    reach_levels,
    skills_ok,
)

VILLAGE = "140105001001"  # 小店村, 小店街道, 小店区, 太原市, 山西省


@pytest.mark.parametrize(
    ("home", "level"),
    [
        ("140105001001", 0),  # same village
        ("140105001002", 1),  # same township
        ("140105002001", 2),  # same county
        ("140106001001", 3),  # same city (太原)
        ("140723001001", 4),  # same province
        ("130102001001", 5),  # outside
        ("140105001", 1),  # a township home is never 同村
        ("140105", 2),  # a county home: 同县 at best
        ("140106", 3),
        ("140100", 3),  # a city home
        ("140000", 4),  # a province home
    ],
)
def test_reach_level(home, level):
    assert reach_level(home, VILLAGE) == level


def test_reach_levels_vectorised_matches_the_scalar():
    homes = ["140105001001", "140105001002", "140105002001", "140106001001", "140723001001", "130102001001"]
    homes += ["140105001", "140105", "140100", "140000"]
    padded, digits = encode_codes(homes)
    for place in (VILLAGE, "140105001", "140105", "140723001001"):
        assert reach_levels(padded, digits, place).tolist() == [reach_level(h, place) for h in homes]


def test_reach_level_refuses_garbage():
    with pytest.raises(ValueError):
        reach_level("14x105", VILLAGE)
    with pytest.raises(ValueError):
        reach_level("1401", VILLAGE)


def local(*args):
    return datetime(*args, tzinfo=ZONE)


# 2026-12-07 is a Monday.
def test_one_window_covers_and_the_zone_is_shanghai():
    masks = day_masks([{"weekday": 1, "start": "08:00", "end": "12:00"}])
    assert available(masks, local(2026, 12, 7, 9, 0), local(2026, 12, 7, 11, 0))
    assert available(masks, local(2026, 12, 7, 8, 0), local(2026, 12, 7, 12, 0))
    assert not available(masks, local(2026, 12, 7, 11, 0), local(2026, 12, 7, 12, 15))
    assert not available(masks, local(2026, 12, 14 - 1, 9, 0), local(2026, 12, 13, 11, 0))  # a Sunday
    # 01:00 UTC is 09:00 in Shanghai.
    assert available(masks, datetime(2026, 12, 7, 1, 0, tzinfo=UTC), datetime(2026, 12, 7, 3, 0, tzinfo=UTC))


def test_adjacent_windows_of_the_same_day_join():
    masks = day_masks(
        [{"weekday": 1, "start": "08:00", "end": "10:00"}, {"weekday": 1, "start": "10:00", "end": "12:00"}]
    )
    assert available(masks, local(2026, 12, 7, 9, 0), local(2026, 12, 7, 11, 30))
    gap = day_masks(
        [{"weekday": 1, "start": "08:00", "end": "10:00"}, {"weekday": 1, "start": "10:30", "end": "12:00"}]
    )
    assert not available(gap, local(2026, 12, 7, 9, 0), local(2026, 12, 7, 11, 30))


def test_odd_minutes_never_claim_time_the_window_lacks():
    masks = day_masks([{"weekday": 1, "start": "08:10", "end": "09:50"}])
    assert not available(masks, local(2026, 12, 7, 8, 10), local(2026, 12, 7, 9, 50))
    assert available(masks, local(2026, 12, 7, 8, 30), local(2026, 12, 7, 9, 30))


def test_midnight_is_crossed_only_when_windows_meet_there():
    evening = {"weekday": 1, "start": "20:00", "end": "23:59"}
    masks = day_masks([evening])
    assert not available(masks, local(2026, 12, 7, 22, 0), local(2026, 12, 8, 1, 0))
    assert available(masks, local(2026, 12, 7, 22, 0), local(2026, 12, 8, 0, 0))  # ends at midnight
    masks = day_masks([evening, {"weekday": 2, "start": "00:00", "end": "02:00"}])
    assert available(masks, local(2026, 12, 7, 22, 0), local(2026, 12, 8, 1, 0))


def test_empty_availability_is_never_and_many_volunteers_at_once():
    assert not available(day_masks([]), local(2026, 12, 7, 9, 0), local(2026, 12, 7, 9, 30))
    many = np.stack(
        [
            day_masks([]),
            day_masks([{"weekday": 1, "start": "00:00", "end": "23:59"}]),
            day_masks([{"weekday": 2, "start": "00:00", "end": "23:59"}]),
        ]
    )
    got = available(many, local(2026, 12, 7, 9, 0), local(2026, 12, 7, 9, 30))
    assert isinstance(got, np.ndarray) and got.tolist() == [False, True, False]


def test_naive_or_reversed_times_are_refused():
    masks = day_masks([])
    with pytest.raises(ValueError):
        available(masks, datetime(2026, 12, 7, 9), datetime(2026, 12, 7, 10))
    with pytest.raises(ValueError):
        available(masks, local(2026, 12, 7, 10), local(2026, 12, 7, 9))


def test_skills_are_compared_after_normalisation():
    assert skills_ok(["ＰＨＯＴＯＳＨＯＰ", "急救"], ["photoshop", " 急救 ", "驾驶"])
    assert skills_ok(["Excel"], ["ｅｘｃｅｌ"])
    assert skills_ok(["Straße"], ["STRASSE"])
    assert skills_ok([], [])
    assert not skills_ok(["急救"], ["驾驶"])


def test_cost_terms_and_reasons():
    cost, reasons, terms = cost_terms(reach=0, needs_skills=True, hours_90d=2, offers_90d=1)
    assert reasons == ["同村", "技能匹配", "近期服务较少", "服务队队员"]
    assert terms["reach"] == 0 and terms["skill"] == 0
    assert cost == sum(terms.values()) == 2 * DEFAULT_WEIGHTS["hour_90d"] + DEFAULT_WEIGHTS["offer_90d"]

    busy, reasons, _ = cost_terms(reach=2, skill_share=0.5, needs_skills=True, hours_90d=80, offers_90d=9, no_shows=1)
    assert reasons == ["同县", "服务队队员"]
    assert busy > cost
    assert cost_terms(reach=1, declines=3)[0] - cost_terms(reach=1)[0] == 3 * DEFAULT_WEIGHTS["decline"]
    assert cost_terms(reach=1, no_shows=1)[0] - cost_terms(reach=1)[0] == DEFAULT_WEIGHTS["no_show"]

    _, reasons, terms = cost_terms(reach=5, paired=True, member=False)
    assert reasons[0] == "结对帮扶" and "服务队队员" not in reasons
    assert terms["reach"] == DEFAULT_WEIGHTS["reach"][DEFAULT_WEIGHTS["paired_reach_level"]]
    assert terms["team"] == DEFAULT_WEIGHTS["not_member"]


def test_edge_costs_vectorised_match_cost_terms():
    rows = [(0, 1.0, 0, 0, 0, 0, True), (3, 0.5, 12.4, 4, 1, 2, True), (5, 0.0, 200, 99, 9, 9, False)]
    reach, share, hours, offers, no_shows, declines, member = (np.array(col) for col in zip(*rows, strict=True))
    costs = edge_costs(
        reach=reach,
        skill_share=share,
        hours_90d=hours,
        offers_90d=offers,
        no_shows=no_shows,
        declines=declines,
        member=member,
    )
    expected = [
        cost_terms(reach=r, skill_share=s, hours_90d=h, offers_90d=o, no_shows=n, declines=d, member=m)[0]
        for r, s, h, o, n, d, m in rows
    ]
    assert costs.dtype == np.int64 and costs.tolist() == expected and (costs >= 0).all()
