"""The eligible (volunteer, slot) edges of a round and their costs, built in bulk over a loaded pool.

Per slot, only the members of its area's team whose home lies under the slot's reach prefix are looked at: each
area's members are kept sorted by home code, so the candidates of a slot are one `searchsorted` range (plus the
range of each region paired to help the slot's village, 结对帮扶). Availability, skills and the open-offer cap
filter that range; the rules that involve a volunteer's other commitments (no overlap, a rest day after a long
service, the monthly hours cap, never the same slot twice) then run once over all edges together. Nothing loops
over volunteer × slot and no dense matrix is made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from app.dispatch import eligibility
from app.dispatch.pool import AREA_INDEX, Pool


@dataclass
class SlotSpec:
    """What the edge builder reads of one slot (an activity with `demand` seats still to offer)."""

    activity_id: int
    village_code: str
    area: str | None
    skills: list[str]  # normalised
    starts_at: datetime
    ends_at: datetime
    demand: int
    bonus: int
    reach: int  # the widest reach level allowed now
    helpers: list[str]  # region codes paired to help the village (结对帮扶)


@dataclass
class Edges:
    volunteer: np.ndarray  # position in the pool
    slot: np.ndarray  # index into the slots
    cost: np.ndarray
    reach: np.ndarray  # the reach level the cost used (the paired level for a paired volunteer)
    paired: np.ndarray  # bool

    @property
    def size(self) -> int:
        return int(self.volunteer.size)

    def take(self, keep: np.ndarray) -> Edges:
        return Edges(self.volunteer[keep], self.slot[keep], self.cost[keep], self.reach[keep], self.paired[keep])


def _month(moment: datetime) -> int:
    local = moment.astimezone(eligibility.ZONE)
    return local.year * 12 + local.month - 1


def _prefix_range(code: str, digits: int) -> tuple[int, int]:
    scale = 10 ** (12 - digits)
    low = int(code[:digits].ljust(12, "0"))
    return low, low + scale


@dataclass
class _Team:
    """One area's members in home-code order: a slot's candidates are one slice of it."""

    order: np.ndarray  # positions in the pool
    codes: np.ndarray
    free: np.ndarray | None = None  # under the open-offer cap, in the same order
    day_masks: dict[int, np.ndarray] = field(default_factory=dict)  # weekday → availability mask, same order

    def day(self, pool: Pool, weekday: int) -> np.ndarray:
        if weekday not in self.day_masks:
            self.day_masks[weekday] = pool.masks[self.order, weekday]
        return self.day_masks[weekday]


def _teams(pool: Pool, areas: set[int]) -> dict[int, _Team]:
    by_home = np.argsort(pool.home_padded, kind="stable")
    teams = {}
    for area in areas:
        order = by_home[(pool.teams[by_home] & (1 << area)) != 0]
        teams[area] = _Team(order, pool.home_padded[order])
    return teams


def build(slots: Sequence[SlotSpec], pool: Pool, config: Mapping[str, Any]) -> Edges:
    """Every eligible edge with its integer cost (eligibility.edge_costs), filters applied.

    Per slot only a slice of its team is read (a few numpy calls on contiguous memory); reach levels, the
    paired level and costs are then computed once over all edges.
    """
    n = pool.size
    under_cap = pool.open_offers < int(config["DISPATCH_MAX_OPEN_OFFERS"])
    paired_level = int(config["DISPATCH_WEIGHTS"]["paired_reach_level"])
    teams = _teams(pool, {AREA_INDEX[s.area] for s in slots if s.area in AREA_INDEX}) if n else {}
    parts_v: list[np.ndarray] = []
    parts_s: list[int] = []
    parts_paired: list[np.ndarray | None] = []
    need_cache: dict[tuple[datetime, datetime], list[tuple[int, int]]] = {}
    for j, slot in enumerate(slots):
        area = AREA_INDEX.get(slot.area or "", -1)
        if n == 0 or slot.demand <= 0 or area < 0:
            continue
        team = teams[area]
        digits = eligibility.PREFIXES[min(slot.reach, len(eligibility.PREFIXES) - 1)]
        lo, hi = np.searchsorted(team.codes, _prefix_range(slot.village_code, digits))
        if team.free is None:
            team.free = under_cap[team.order]
        span = team.order[lo:hi]
        ok = team.free[lo:hi].copy()
        key = (slot.starts_at, slot.ends_at)
        days = need_cache.get(key)
        if days is None:
            need = eligibility.needed_masks(slot.starts_at, slot.ends_at)
            days = need_cache[key] = [(int(d), int(need[d])) for d in np.flatnonzero(need)]
        for day, cells in days:
            ok &= (team.day(pool, day)[lo:hi] & cells) == cells
        cand = span[ok]
        paired: np.ndarray | None = None
        if slot.helpers:  # 结对帮扶: the helping regions' members too, beyond the normal reach
            extra = [
                team.order[a:b]
                for a, b in (
                    np.searchsorted(team.codes, _prefix_range(code, eligibility.significant_digits(code)))
                    for code in slot.helpers
                )
            ]
            helping = np.setdiff1d(np.unique(np.concatenate(extra)), span)
            keep = under_cap[helping].copy()
            for day, cells in days:
                keep &= (pool.masks[helping, day] & cells) == cells
            cand = np.concatenate([cand, helping[keep]])
            paired = np.concatenate([np.zeros(int(ok.sum()), dtype=bool), np.ones(int(keep.sum()), dtype=bool)])
        for skill in slot.skills:
            has = pool.skills.get(skill)
            held = has[cand] if has is not None else np.zeros(cand.size, dtype=bool)
            cand = cand[held]
            paired = paired[held] if paired is not None else None
        if cand.size:
            parts_v.append(cand)
            parts_s.append(j)
            parts_paired.append(paired)
    if not parts_v:
        empty = np.zeros(0, dtype=np.int64)
        return Edges(empty, empty, empty, empty, np.zeros(0, dtype=bool))
    sizes = np.array([p.size for p in parts_v], dtype=np.int64)
    volunteer = np.concatenate(parts_v).astype(np.int64)
    slot_index = np.repeat(np.array(parts_s, dtype=np.int64), sizes)
    paired_flags = np.concatenate(
        [p if p is not None else np.zeros(v.size, dtype=bool) for p, v in zip(parts_paired, parts_v, strict=True)]
    )
    reach = _reach_levels(pool, volunteer, slot_index, slots)
    reach = np.where(paired_flags, np.minimum(reach, paired_level), reach)
    edges = Edges(volunteer, slot_index, np.zeros(volunteer.size, dtype=np.int64), reach, paired_flags)
    allowed = np.array([s.reach for s in slots], dtype=np.int64)[slot_index]
    edges = edges.take(((reach <= allowed) | paired_flags) & _free(edges, slots, pool, config))
    edges = edges.take(_never_offered(edges, slots, pool))
    edges.cost = eligibility.edge_costs(
        reach=edges.reach,
        skill_share=1.0,
        hours_90d=pool.half_hours_90d[edges.volunteer] / 2,
        offers_90d=pool.offers_90d[edges.volunteer],
        no_shows=pool.no_shows[edges.volunteer],
        declines=pool.declines[edges.volunteer],
        member=True,
        weights=config["DISPATCH_WEIGHTS"],
    )
    return edges


def _reach_levels(pool: Pool, volunteer: np.ndarray, slot_index: np.ndarray, slots: Sequence[SlotSpec]) -> np.ndarray:
    """eligibility.reach_level of every edge at once (the lowest common ancestor of home and village)."""
    village = np.array([int(s.village_code.ljust(12, "0")) for s in slots], dtype=np.int64)
    village_digits = np.array([eligibility.significant_digits(s.village_code) for s in slots], dtype=np.int64)
    depth = np.minimum(pool.home_digits[volunteer], village_digits[slot_index])
    home = pool.home_padded[volunteer]
    levels = np.full(volunteer.size, eligibility.OUTSIDE, dtype=np.int64)
    for level in range(len(eligibility.PREFIXES) - 1, -1, -1):  # widest first, the narrowest match wins
        digits = eligibility.PREFIXES[level]
        scale = 10 ** (12 - digits)
        levels[(home // scale == (village // scale)[slot_index]) & (depth >= digits)] = level
    return levels


def _free(edges: Edges, slots: Sequence[SlotSpec], pool: Pool, config: Mapping[str, Any]) -> np.ndarray:
    """No overlap with a confirmed sign-up or an open offer, a rest day after (or before) a long service, and
    the month's hours (confirmed and offered) plus this slot's within the volunteer's cap."""
    ok = np.ones(edges.size, dtype=bool)
    if not edges.size:
        return ok
    long_seconds = int(float(config["DISPATCH_LONG_SERVICE_HOURS"]) * 3600)
    rest = int(float(config["DISPATCH_REST_HOURS"]) * 3600)
    start = np.array([int(s.starts_at.timestamp()) for s in slots], dtype=np.int64)[edges.slot]
    end = np.array([int(s.ends_at.timestamp()) for s in slots], dtype=np.int64)[edges.slot]
    # Pair each edge with each busy interval of its volunteer (busy intervals are sorted by volunteer).
    first = np.searchsorted(pool.busy_volunteer, edges.volunteer, side="left")
    count = np.searchsorted(pool.busy_volunteer, edges.volunteer, side="right") - first
    pair_edge = np.repeat(np.arange(edges.size), count)
    offset = np.arange(pair_edge.size) - np.repeat(np.cumsum(count) - count, count)
    busy = np.repeat(first, count) + offset
    b_start, b_end = pool.busy_start[busy], pool.busy_end[busy]
    e_start, e_end = start[pair_edge], end[pair_edge]
    e_rest = np.where(e_end - e_start >= long_seconds, rest, 0)
    b_rest = np.where(b_end - b_start >= long_seconds, rest, 0)
    clash = (b_start < e_end + e_rest) & (e_start < b_end + b_rest)
    ok[pair_edge[clash]] = False
    # The monthly cap: hours of the busy intervals starting in the slot's month, plus the slot's own.
    cap = np.where(pool.monthly_cap >= 0, pool.monthly_cap, int(config["DISPATCH_MONTHLY_HOURS"]))
    months = np.array([_month(s.starts_at) for s in slots], dtype=np.int64)[edges.slot]
    b_month = _months_of(b_start)
    same = b_month == months[pair_edge]
    used = np.bincount(pair_edge[same], weights=(b_end - b_start)[same] / 3600, minlength=edges.size)
    ok &= used + (end - start) / 3600 <= cap[edges.volunteer] + 1e-9
    return ok


def _months_of(epochs: np.ndarray) -> np.ndarray:
    """Local (China time, no daylight saving) year·12 + month − 1 of epoch seconds."""
    local = (epochs + 8 * 3600).astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)
    return local + 1970 * 12


def _never_offered(edges: Edges, slots: Sequence[SlotSpec], pool: Pool) -> np.ndarray:
    """A volunteer is offered a slot once, ever."""
    if not pool.offered_activity.size or not edges.size:
        return np.ones(edges.size, dtype=bool)
    activity_ids = np.array([s.activity_id for s in slots], dtype=np.int64)
    order = np.argsort(activity_ids)
    at = np.searchsorted(activity_ids[order], pool.offered_activity)
    at = np.minimum(at, activity_ids.size - 1)
    known = activity_ids[order][at] == pool.offered_activity
    slot_of = order[at][known]
    volunteer_of = pool.positions(pool.offered_volunteer[known])
    present = volunteer_of >= 0
    forbidden = slot_of[present] * max(pool.size, 1) + volunteer_of[present]
    return ~np.isin(edges.slot * max(pool.size, 1) + edges.volunteer, forbidden)
