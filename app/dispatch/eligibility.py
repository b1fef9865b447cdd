"""Pure helpers a dispatch round uses to decide who may be offered a slot and at what cost.

No database, no Flask: region codes, availability masks, skills and cost terms, vectorised with numpy where
a round needs them over many volunteers at once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import numpy as np

from app.volunteers.availability import CELL_MINUTES, CELLS, FULL_DAY, day_masks, normalise_skill
from config.rules import RULES

# Shared with the volunteers room, which keeps them as derived columns.
__all__ = ["CELLS", "CELL_MINUTES", "FULL_DAY", "day_masks", "normalise_skill"]

ZONE = ZoneInfo("Asia/Shanghai")

# --- reach ---------------------------------------------------------------------------------------------------

#: Significant digits of each level's code, and the reach level of a common ancestor at that depth.
#: 0 same village, 1 same township, 2 same county, 3 same city, 4 same province, 5 outside.
PREFIXES = (12, 9, 6, 4, 2)
OUTSIDE = 5
REACH_REASONS = {0: "同村", 1: "同乡镇", 2: "同县"}


def significant_digits(code: str) -> int:
    """12 village, 9 township, 6 county, 4 city, 2 province (a 6-digit code ending 00 / 0000)."""
    if not code.isdigit():
        raise ValueError(f"not a region code: {code!r}")
    if len(code) in (12, 9):
        return len(code)
    if len(code) == 6:
        if code.endswith("0000"):
            return 2
        return 4 if code.endswith("00") else 6
    raise ValueError(f"not a region code: {code!r}")


def reach_level(home_code: str, village_code: str) -> int:
    """The lowest common ancestor of the volunteer's home and the activity's place, as a level 0 … 5.

    A home given as a county or township never shares a village (level 0): only the digits a code
    really has are compared.
    """
    depth = min(significant_digits(home_code), significant_digits(village_code))
    for level, digits in enumerate(PREFIXES):
        if digits <= depth and home_code[:digits] == village_code[:digits]:
            return level
    return OUTSIDE


def encode_codes(codes: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
    """Region codes as (12-digit int64, padded with zeros; significant digits) for `reach_levels`."""
    listed = list(codes)
    padded = np.array([int(code[:12].ljust(12, "0")) for code in listed], dtype=np.int64)
    digits = np.array([significant_digits(code) for code in listed], dtype=np.int64)
    return padded, digits


def reach_levels(home_padded: np.ndarray, home_digits: np.ndarray, village_code: str) -> np.ndarray:
    """`reach_level` of many homes (from `encode_codes`) against one place, as an int64 array."""
    place = int(village_code.ljust(12, "0"))
    place_digits = significant_digits(village_code)
    depth = np.minimum(home_digits, place_digits)
    levels = np.full(home_padded.shape, OUTSIDE, dtype=np.int64)
    for level in range(len(PREFIXES) - 1, -1, -1):  # widest first, the narrowest match wins
        scale = 10 ** (12 - PREFIXES[level])
        same = (home_padded // scale == place // scale) & (depth >= PREFIXES[level])
        levels[same] = level
    return levels


# --- availability --------------------------------------------------------------------------------------------


def needed_masks(starts_at: datetime, ends_at: datetime) -> np.ndarray:
    """The half-hours an activity occupies, per local weekday (a part-used half-hour counts in full)."""
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("starts_at and ends_at must carry a time zone")
    start, end = starts_at.astimezone(ZONE), ends_at.astimezone(ZONE)
    if end <= start:
        raise ValueError("ends_at must be after starts_at")
    need = np.zeros(7, dtype=np.int64)
    if end - start >= timedelta(days=7):
        need[:] = FULL_DAY
        return need
    day = start.date()
    while True:
        midnight = datetime(day.year, day.month, day.day, tzinfo=ZONE)
        lo = max(start, midnight)
        hi = min(end, midnight + timedelta(days=1))
        if hi <= lo:
            break
        first = math.floor((lo - midnight).total_seconds() / (CELL_MINUTES * 60))
        last = math.ceil((hi - midnight).total_seconds() / (CELL_MINUTES * 60))
        need[day.isoweekday() - 1] |= (1 << last) - (1 << first)
        day += timedelta(days=1)
    return need


def available(masks: np.ndarray, starts_at: datetime, ends_at: datetime) -> np.ndarray | bool:
    """Whether availability masks (shape (7,) or (n, 7)) cover the whole local start–end of an activity.

    One window, or adjacent windows, covers it; an activity crossing midnight needs windows on both days
    that meet at midnight. Returns a bool for one volunteer, a bool array for many.
    """
    need = needed_masks(starts_at, ends_at)
    covered = np.all((np.asarray(masks, dtype=np.int64) & need) == need, axis=-1)
    return bool(covered) if np.ndim(covered) == 0 else covered


# --- skills --------------------------------------------------------------------------------------------------


def skills_ok(required: Iterable[str], held: Iterable[str]) -> bool:
    """Every required skill is held, compared after normalisation."""
    have = {normalise_skill(skill) for skill in held}
    return all(normalise_skill(skill) in have for skill in required)


# --- cost terms ----------------------------------------------------------------------------------------------

#: Integer weights of the cost terms (costs are ≥ 0 integers): config/rules.py's DISPATCH_WEIGHTS, where each is
#: explained, is their one home; callers with an app pass the configured (possibly overridden) ones.
DEFAULT_WEIGHTS: dict[str, Any] = cast(dict[str, Any], RULES["DISPATCH_WEIGHTS"])


def term_costs(
    *,
    reach: Any,
    skill_share: Any,
    hours_90d: Any,
    offers_90d: Any,
    no_shows: Any,
    declines: Any,
    member: Any,
    weights: Mapping[str, Any] = DEFAULT_WEIGHTS,
) -> dict[str, np.ndarray]:
    """Each cost term as an int64 array (scalars or arrays broadcast): reach, skill, fairness, reliability, team."""
    table = np.asarray(weights["reach"], dtype=np.int64)
    reach_cost = table[np.clip(np.asarray(reach, dtype=np.int64), 0, table.size - 1)]
    share = np.clip(np.asarray(skill_share, dtype=np.float64), 0.0, 1.0)
    skill = np.rint(weights["skill_miss"] * (1.0 - share)).astype(np.int64)
    hours = np.clip(np.rint(np.asarray(hours_90d, dtype=np.float64)), 0, weights["hour_90d_cap"]).astype(np.int64)
    offers = np.clip(np.asarray(offers_90d, dtype=np.int64), 0, weights["offer_90d_cap"])
    fairness = weights["hour_90d"] * hours + weights["offer_90d"] * offers
    reliability = weights["no_show"] * np.clip(np.asarray(no_shows, dtype=np.int64), 0, weights["no_show_cap"])
    reliability = reliability + weights["decline"] * np.clip(
        np.asarray(declines, dtype=np.int64), 0, weights["decline_cap"]
    )
    team = np.where(np.asarray(member, dtype=bool), 0, weights["not_member"]).astype(np.int64)
    return {"reach": reach_cost, "skill": skill, "fairness": fairness, "reliability": reliability, "team": team}


def edge_costs(**terms: Any) -> np.ndarray:
    """The summed integer cost of `term_costs`, for many edges at once."""
    parts = term_costs(**terms)
    return np.asarray(sum(parts.values()), dtype=np.int64)


def cost_terms(
    *,
    reach: int,
    skill_share: float = 1.0,
    needs_skills: bool = False,
    hours_90d: float = 0.0,
    offers_90d: int = 0,
    no_shows: int = 0,
    declines: int = 0,
    member: bool = True,
    paired: bool = False,
    weights: Mapping[str, Any] = DEFAULT_WEIGHTS,
) -> tuple[int, list[str], dict[str, int]]:
    """One edge: (integer cost, the reasons shown to the volunteer in Chinese, each term's cost).

    `reach` is the reach level; a paired volunteer (结对帮扶) costs at most the paired reach level.
    """
    if paired:
        reach = min(reach, int(weights["paired_reach_level"]))
    parts = term_costs(
        reach=reach,
        skill_share=skill_share,
        hours_90d=hours_90d,
        offers_90d=offers_90d,
        no_shows=no_shows,
        declines=declines,
        member=member,
        weights=weights,
    )
    terms = {name: int(value) for name, value in parts.items()}
    reasons: list[str] = []
    if paired:
        reasons.append("结对帮扶")
    elif reach in REACH_REASONS:
        reasons.append(REACH_REASONS[reach])
    if needs_skills and skill_share >= 1.0:
        reasons.append("技能匹配")
    if hours_90d < weights["few_hours_90d"] and offers_90d <= weights["few_offers_90d"]:
        reasons.append("近期服务较少")
    if member:
        reasons.append("服务队队员")
    return sum(terms.values()), reasons, terms
