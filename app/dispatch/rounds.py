"""A dispatch round: every open, unheld slot in a scope offered to the best eligible volunteers at once.

The round loads the open slots and the volunteers who could reach them with a few set-based SELECTs (never
one query per volunteer per slot), filters the edges per slot with numpy over all loaded volunteers
(`app.dispatch.eligibility`), solves the min-cost flow (`app.dispatch.solver`) and makes one offer per
chosen pair through `offers.make_offer`. The incremental re-offer (`reoffer`) runs the same eligibility for
the slots an offer just freed and offers each to its best remaining candidate, in the same transaction.

This first version loads through the ORM and writes offers one by one: correct, and fine for a county or a
city. Loading a province (10⁶ volunteers) by binary COPY of derived integer columns, writing offers in bulk,
keeping each slot's ranked next candidates for the re-offer, running the solve in a worker process, and
serialising rounds against re-offers for the same volunteer (today the database only guards the seats: held +
taken ≤ capacity, one offer per volunteer and slot ever) are a later step (issue 10, "Scale").
"""

from __future__ import annotations

import resource
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from flask import current_app
from sqlalchemy import func, or_, select

from app.activities.models import Activity, Signup
from app.core import audit, clock
from app.core.access import Principal, covers, require_role, scope_prefix
from app.core.errors import Forbidden, NotFound
from app.dispatch import eligibility, offers, solver
from app.dispatch.models import DispatchRound, Offer
from app.extensions import db
from app.regions import operations as regions
from app.regions.models import Region
from app.volunteers.models import TeamMembership, Volunteer

URGENT = timedelta(hours=72)


@dataclass
class Slot:
    activity: Activity
    demand: int
    bonus: int


@dataclass
class Pool:
    """The volunteers a set of slots could be offered to, as parallel arrays (index = position)."""

    ids: np.ndarray
    home_padded: np.ndarray
    home_digits: np.ndarray
    masks: np.ndarray  # (n, 7) availability day masks
    open_offers: np.ndarray
    hours_90d: np.ndarray
    offers_90d: np.ndarray
    declines: np.ndarray
    areas: dict[str, np.ndarray] = field(default_factory=dict)  # area → bool per volunteer
    skills: dict[str, np.ndarray] = field(default_factory=dict)  # normalised skill → bool per volunteer
    busy_volunteer: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # index into ids
    busy_start: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # epoch seconds
    busy_end: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    offered: dict[int, set[int]] = field(default_factory=dict)  # activity id → volunteer ids offered it ever


@dataclass
class Edges:
    volunteer: np.ndarray  # index into the pool
    slot: np.ndarray  # index into the slots
    cost: np.ndarray
    reach: np.ndarray


def _config() -> Mapping[str, Any]:
    return current_app.config


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


# --- loading -------------------------------------------------------------------------------------------------


def load_slots(prefix: str, now: datetime, *, activity_ids: Iterable[int] | None = None) -> list[Slot]:
    """Open approved needs in the scope starting within the horizon, sign-up still open, with free unheld seats."""
    config = _config()
    closes = now + timedelta(minutes=config["SIGNUP_CLOSE_MINUTES"])
    query = (
        select(Activity)
        .where(
            Activity.type == "need",
            Activity.status == "open",
            Activity.starts_at > closes,
            Activity.starts_at <= now + timedelta(days=config["DISPATCH_HORIZON_DAYS"]),
            Activity.village_code.like(prefix + "%"),
            Activity.taken + Activity.held < Activity.capacity,
        )
        .order_by(Activity.starts_at, Activity.id)
    )
    if activity_ids is not None:
        query = query.where(Activity.id.in_(list(activity_ids)))
    activities = list(db.session.scalars(query))
    counties = {a.village_code[:6] for a in activities}
    deep = set(db.session.scalars(select(Region.code).where(Region.code.in_(counties), Region.deep_poverty)))
    bonus = config["DISPATCH_PRIORITY_BONUS"]
    return [
        Slot(
            activity=a,
            demand=a.capacity - a.taken - a.held,
            bonus=(bonus["deep_poverty"] if a.village_code[:6] in deep else 0)
            + (bonus["poor_village"] if a.village.poor_village else 0),
        )
        for a in activities
    ]


def load_pool(slots: list[Slot], now: datetime) -> Pool:
    """Volunteers within the widest reach of any slot (same city at most), with what the filters need."""
    config = _config()
    widest = min(config["DISPATCH_MAX_REACH"] + 1, eligibility.OUTSIDE - 1)
    digits = eligibility.PREFIXES[widest] if widest < len(eligibility.PREFIXES) else 0
    prefixes = sorted({s.activity.village_code[:digits] for s in slots})
    if not slots:
        prefixes = []
    rows = (
        db.session.execute(
            select(Volunteer.id, Volunteer.home_region_code, Volunteer.skills, Volunteer.availability)
            .where(
                Volunteer.withdrawn_at.is_(None),
                Volunteer.offers_paused.is_(False),
                Volunteer.home_region_code.is_not(None),
                or_(*(Volunteer.home_region_code.like(p + "%") for p in prefixes)),
            )
            .order_by(Volunteer.id)
        ).all()
        if prefixes
        else []
    )
    ids = np.array([r.id for r in rows], dtype=np.int64)
    position = {int(v): i for i, v in enumerate(ids)}
    n = ids.size
    home_padded, home_digits = eligibility.encode_codes(r.home_region_code for r in rows)
    masks = np.array([eligibility.day_masks(r.availability or []) for r in rows], dtype=np.int64).reshape(n, 7)
    skills: dict[str, np.ndarray] = {}
    for i, r in enumerate(rows):
        for skill in r.skills or []:
            skills.setdefault(eligibility.normalise_skill(skill), np.zeros(n, dtype=bool))[i] = True

    def counts(query: Any) -> np.ndarray:
        out = np.zeros(n, dtype=np.int64)
        for volunteer_id, count in db.session.execute(query):
            if volunteer_id in position:
                out[position[volunteer_id]] = count
        return out

    id_list = [int(v) for v in ids]
    since = now - timedelta(days=90)
    per_volunteer = select(Offer.volunteer_id, func.count()).where(Offer.volunteer_id.in_(id_list))
    open_offers = counts(per_volunteer.where(Offer.status == "offered").group_by(Offer.volunteer_id))
    offers_90d = counts(per_volunteer.where(Offer.created_at >= since).group_by(Offer.volunteer_id))
    declines = counts(
        per_volunteer.where(Offer.status == "declined", Offer.created_at >= since).group_by(Offer.volunteer_id)
    )
    hours_90d = np.zeros(n, dtype=np.float64)
    areas: dict[str, np.ndarray] = {}
    busy_v: list[int] = []
    busy_s: list[int] = []
    busy_e: list[int] = []
    if id_list:
        for volunteer_id, area in db.session.execute(
            select(TeamMembership.volunteer_id, TeamMembership.area).where(TeamMembership.volunteer_id.in_(id_list))
        ):
            areas.setdefault(area, np.zeros(n, dtype=bool))[position[volunteer_id]] = True
        for volunteer_id, starts_at, ends_at in db.session.execute(
            select(Signup.volunteer_id, Signup.starts_at, Signup.ends_at).where(
                Signup.volunteer_id.in_(id_list), Signup.status == "confirmed", Signup.ends_at > since
            )
        ):
            i = position[volunteer_id]
            if ends_at <= now:
                hours_90d[i] += (ends_at - starts_at).total_seconds() / 3600
            else:
                busy_v.append(i)
                busy_s.append(_epoch(starts_at))
                busy_e.append(_epoch(ends_at))
        for volunteer_id, starts_at, ends_at in db.session.execute(
            select(Offer.volunteer_id, Activity.starts_at, Activity.ends_at)
            .join(Activity, Activity.id == Offer.activity_id)
            .where(Offer.volunteer_id.in_(id_list), Offer.status == "offered")
        ):
            busy_v.append(position[volunteer_id])
            busy_s.append(_epoch(starts_at))
            busy_e.append(_epoch(ends_at))
    offered: dict[int, set[int]] = defaultdict(set)
    for activity_id, volunteer_id in db.session.execute(
        select(Offer.activity_id, Offer.volunteer_id).where(Offer.activity_id.in_([s.activity.id for s in slots]))
    ):
        offered[activity_id].add(volunteer_id)
    return Pool(
        ids=ids,
        home_padded=home_padded,
        home_digits=home_digits,
        masks=masks,
        open_offers=open_offers,
        hours_90d=hours_90d,
        offers_90d=offers_90d,
        declines=declines,
        areas=areas,
        skills=skills,
        busy_volunteer=np.array(busy_v, dtype=np.int64),
        busy_start=np.array(busy_s, dtype=np.int64),
        busy_end=np.array(busy_e, dtype=np.int64),
        offered=dict(offered),
    )


# --- edges ---------------------------------------------------------------------------------------------------


def allowed_reach(activity: Activity, now: datetime) -> int:
    """DISPATCH_MAX_REACH, one level wider (at most the same city) once the start is within 72 hours."""
    reach = int(_config()["DISPATCH_MAX_REACH"])
    if activity.starts_at - now <= URGENT:
        reach += 1
    return min(reach, eligibility.OUTSIDE - 1)


def build_edges(slots: list[Slot], pool: Pool, now: datetime) -> Edges:
    """Eligible (volunteer, slot) pairs and their costs: one numpy pass over the pool per slot."""
    config = _config()
    weights = config["DISPATCH_WEIGHTS"]
    n = pool.ids.size
    under_cap = pool.open_offers < config["DISPATCH_MAX_OPEN_OFFERS"]
    parts_v, parts_s, parts_c, parts_r = [], [], [], []
    for j, slot in enumerate(slots):
        a = slot.activity
        if n == 0 or slot.demand <= 0:
            continue
        reach = eligibility.reach_levels(pool.home_padded, pool.home_digits, a.village_code)
        ok = under_cap & (reach <= allowed_reach(a, now))
        ok &= pool.areas.get(a.area or "", np.zeros(n, dtype=bool))
        for skill in a.skills or []:
            ok &= pool.skills.get(eligibility.normalise_skill(skill), np.zeros(n, dtype=bool))
        ok &= np.asarray(eligibility.available(pool.masks, a.starts_at, a.ends_at), dtype=bool)
        if pool.busy_volunteer.size:
            clash = (pool.busy_start < _epoch(a.ends_at)) & (pool.busy_end > _epoch(a.starts_at))
            ok[pool.busy_volunteer[clash]] = False
        before = pool.offered.get(a.id)
        if before:
            ok &= ~np.isin(pool.ids, np.fromiter(before, dtype=np.int64))
        chosen = np.flatnonzero(ok)
        if not chosen.size:
            continue
        cost = eligibility.edge_costs(
            reach=reach[chosen],
            skill_share=1.0,
            hours_90d=pool.hours_90d[chosen],
            offers_90d=pool.offers_90d[chosen],
            no_shows=0,  # the service records no no-shows yet (attendance has no such state)
            declines=pool.declines[chosen],
            member=True,
            weights=weights,
        )
        parts_v.append(chosen)
        parts_s.append(np.full(chosen.size, j, dtype=np.int64))
        parts_c.append(cost)
        parts_r.append(reach[chosen])

    def joined(parts: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)

    return Edges(joined(parts_v), joined(parts_s), joined(parts_c), joined(parts_r))


def _offer(slot: Slot, pool: Pool, i: int, reach: int, now: datetime, round_id: int | None) -> Offer:
    cost, reasons, terms = eligibility.cost_terms(
        reach=reach,
        needs_skills=bool(slot.activity.skills),
        hours_90d=float(pool.hours_90d[i]),
        offers_90d=int(pool.offers_90d[i]),
        declines=int(pool.declines[i]),
        weights=_config()["DISPATCH_WEIGHTS"],
    )
    return offers.make_offer(
        slot.activity,
        int(pool.ids[i]),
        expires_at=now + timedelta(hours=_config()["DISPATCH_OFFER_HOURS"]),
        cost=cost,
        terms={**terms, "reach_level": reach, "bonus": slot.bonus},
        why="、".join(reasons),
        round_id=round_id,
    )


# --- the round -----------------------------------------------------------------------------------------------


def run_round(principal: Principal | None, scope_code: str, now: datetime | None = None) -> DispatchRound:
    """One round over `scope_code` (a region code: province, city, county …), recorded and audited.

    `principal` is the staff member asking (checked: staff, scope within theirs), or None for the bot.
    """
    if principal is not None:
        require_role(principal, "staff")
        regions.ensure_exists(scope_code, field_name="region")
        if not _staff_sees(principal, scope_code):
            raise Forbidden("该区划不在你的管辖范围内", code="out_of_scope", fields={"region": "不在你的管辖范围内"})
    now = now or clock.now()
    started = time.perf_counter()
    record = DispatchRound(region_code=scope_code, started_by=principal.user_id if principal else None, started_at=now)
    db.session.add(record)
    db.session.flush()
    slots = load_slots(scope_prefix(scope_code), now)
    pool = load_pool(slots, now)
    edges = build_edges(slots, pool, now)
    problem = solver.Problem(
        edge_volunteer=edges.volunteer,
        edge_slot=edges.slot,
        edge_cost=edges.cost,
        demand=np.array([s.demand for s in slots], dtype=np.int64),
        bonus=np.array([s.bonus for s in slots], dtype=np.int64),
        num_volunteers=int(pool.ids.size),
    )
    solution = solver.solve(problem)
    for e in solution.edge:
        _offer(slots[int(edges.slot[e])], pool, int(edges.volunteer[e]), int(edges.reach[e]), now, record.id)
    record.slots = int(problem.demand.sum())
    record.volunteers = int(np.unique(edges.volunteer).size)
    record.edges = int(edges.volunteer.size)
    record.offers = solution.filled
    record.filled = len({int(s) for s in solution.slot if _filled(slots[int(s)])})
    record.cost = solution.cost
    record.solver_status = solution.status
    record.seconds = round(time.perf_counter() - started, 3)
    record.peak_memory_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    audit.record("create", "dispatch_round", record.id, after=_figures(record), region_code=scope_code)
    return record


def _filled(slot: Slot) -> bool:
    """No free unheld seat left (make_offer keeps the activity's held and status current)."""
    return slot.activity.status == "filled"


def _figures(record: DispatchRound) -> dict[str, Any]:
    return {
        "slots": record.slots,
        "volunteers": record.volunteers,
        "edges": record.edges,
        "offers": record.offers,
        "filled": record.filled,
        "cost": record.cost,
        "solver_status": record.solver_status,
    }


def reoffer(activity_ids: list[int]) -> int:
    """Seats just freed (decline, expiry, revocation): offer each to its best remaining candidate at once.

    The same eligibility as a round, for these slots only; whoever was ever offered a slot is excluded, and
    each volunteer gets at most one new offer here, as in a round. Answers how many offers were made.
    """
    if not activity_ids:
        return 0
    now = clock.now()
    slots = load_slots("", now, activity_ids=set(activity_ids))
    if not slots:
        return 0
    pool = load_pool(slots, now)
    edges = build_edges(slots, pool, now)
    made = 0
    used: set[int] = set()
    for j, slot in enumerate(slots):
        here = np.flatnonzero(edges.slot == j)
        order = here[np.lexsort((pool.ids[edges.volunteer[here]], edges.cost[here]))]
        for e in order:
            if made_here(slot) >= slot.demand:
                break
            i = int(edges.volunteer[e])
            if i in used:
                continue
            used.add(i)
            _offer(slot, pool, i, int(edges.reach[e]), now, None)
            made += 1
    return made


def made_here(slot: Slot) -> int:
    """Seats of the slot held since it was loaded."""
    return slot.demand - (slot.activity.capacity - slot.activity.taken - slot.activity.held)


# --- staff views and the bot ---------------------------------------------------------------------------------


def _staff_sees(principal: Principal, region_code: str) -> bool:
    return principal.is_admin or bool(
        principal.has("staff") and principal.staff_region and covers(principal.staff_region, region_code)
    )


def scope_of(principal: Principal, region: str | None) -> str:
    """The region a staff member's round covers: the one asked for, or their own."""
    require_role(principal, "staff")
    if region is not None:
        return region
    if principal.staff_region is None:
        raise Forbidden("请指定区划", code="out_of_scope")
    return principal.staff_region


def get(principal: Principal, round_id: int) -> DispatchRound:
    record = db.session.get(DispatchRound, round_id)
    if record is None or not _staff_sees(principal, record.region_code):
        raise NotFound("派单轮次不存在", code="round_not_found")
    return record


def listing(principal: Principal, *, limit: int = 100) -> list[DispatchRound]:
    require_role(principal, "staff")
    query = select(DispatchRound).order_by(DispatchRound.id.desc()).limit(limit)
    if not principal.is_admin:
        assert principal.staff_region is not None
        query = query.where(DispatchRound.region_code.like(scope_prefix(principal.staff_region) + "%"))
    return list(db.session.scalars(query))


def run_scheduled() -> int:
    """The bot, hourly: one round per county that has open slots. Answers how many rounds ran."""
    now = clock.now()
    counties = sorted({s.activity.village_code[:6] for s in load_slots("", now)})
    for county in counties:
        run_round(None, county, now)
    return len(counties)
