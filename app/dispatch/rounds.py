"""A dispatch round: every open, unheld slot in a scope offered to the best eligible volunteers at once.

    slots (ORM, ≤ 10⁴)  →  pool (fixed-width columns, binary COPY on PostgreSQL)  →  graph (numpy edges)
      →  solver (min-cost flow)  →  under the dispatch lock: re-check the chosen pairs, write offers in bulk
      →  each slot's ranked next candidates kept for the incremental re-offer.

`reoffer` is the incremental step after a decline, expiry or revocation: it reads the freed slots' kept
candidates, re-checks just those volunteers with the same graph rules, and offers each slot to its best; only a
slot whose candidates are all gone loads its own reach again. Rounds and re-offers write under one lock
(`offers.lock`), and a round re-checks what it chose once it holds it, so neither races the other for a
volunteer's caps or a seat. The bot runs rounds in a worker process (bots/worker.py).
"""

from __future__ import annotations

import resource
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from flask import current_app
from sqlalchemy import delete, insert, or_, select

from app.activities.models import Activity
from app.core import audit, clock
from app.core.access import Principal, covers, require_role, scope_prefix
from app.core.db import among
from app.core.errors import Forbidden, NotFound
from app.dispatch import eligibility, escalation, graph, offers, pairings, pool, solver
from app.dispatch.graph import SlotSpec
from app.dispatch.models import DispatchCandidate, DispatchRound
from app.extensions import db
from app.regions import operations as regions
from app.regions.models import Region

URGENT = timedelta(hours=72)


@dataclass
class Slot:
    activity: Activity
    spec: SlotSpec


def _config() -> Mapping[str, Any]:
    return current_app.config


# --- slots ---------------------------------------------------------------------------------------------------


def allowed_reach(activity: Activity, now: datetime) -> int:
    """DISPATCH_MAX_REACH, one level wider (at most the same city) once the start is within 72 hours."""
    reach = int(_config()["DISPATCH_MAX_REACH"])
    if activity.starts_at - now <= URGENT:
        reach += 1
    return min(reach, eligibility.OUTSIDE - 1)


def load_slots(prefix: str, now: datetime, *, activity_ids: Iterable[int] | None = None) -> list[Slot]:
    """Open approved needs in the scope starting within the horizon, sign-up still open, with free unheld seats."""
    config = _config()
    closes = now + timedelta(minutes=config["SIGNUP_CLOSE_MINUTES"])
    query = (
        select(Activity)
        .where(
            *offers.short_of_seats(),
            Activity.starts_at > closes,
            # A relay post's occurrences are offered weeks ahead, so its coverage stays continuous.
            or_(
                Activity.starts_at <= now + timedelta(days=config["DISPATCH_HORIZON_DAYS"]),
                Activity.relay.is_(True)
                & (Activity.starts_at <= now + timedelta(weeks=config["DISPATCH_RELAY_WEEKS_AHEAD"])),
            ),
            Activity.village_code.like(prefix + "%"),
        )
        .order_by(Activity.starts_at, Activity.id)
    )
    if activity_ids is not None:
        query = query.where(Activity.id.in_(sorted(set(activity_ids))))
    activities = list(db.session.scalars(query))
    counties = {a.village_code[:6] for a in activities}
    deep = set(db.session.scalars(select(Region.code).where(Region.code.in_(counties), Region.deep_poverty)))
    helping = pairings.helping_by_village({a.village_code for a in activities})
    bonus = config["DISPATCH_PRIORITY_BONUS"]
    return [
        Slot(
            activity=a,
            spec=SlotSpec(
                activity_id=a.id,
                village_code=a.village_code,
                area=a.area,
                skills=sorted({eligibility.normalise_skill(s) for s in a.skills or []}),
                starts_at=a.starts_at,
                ends_at=a.ends_at,
                demand=a.capacity - a.taken - a.held,
                bonus=(bonus["deep_poverty"] if a.village_code[:6] in deep else 0)
                + (bonus["poor_village"] if a.village.poor_village else 0),
                reach=allowed_reach(a, now),
                helpers=sorted(helping.get(a.village_code, ())),
            ),
        )
        for a in activities
    ]


def _reach_prefixes(specs: Sequence[SlotSpec]) -> list[str]:
    """The fewest home-code prefixes covering every slot's reach and its helping regions."""
    wanted = set()
    for spec in specs:
        digits = eligibility.PREFIXES[min(spec.reach, len(eligibility.PREFIXES) - 1)]
        wanted.add(spec.village_code[:digits])
        wanted.update(code[: eligibility.significant_digits(code)] for code in spec.helpers)
    kept: list[str] = []
    for prefix in sorted(wanted, key=lambda p: (len(p), p)):
        if not any(prefix.startswith(shorter) for shorter in kept):
            kept.append(prefix)
    return sorted(kept)


def _local_month_start(moment: datetime) -> datetime:
    local = moment.astimezone(eligibility.ZONE)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def load_pool(slots: Sequence[Slot], *, only: Iterable[int] | None = None, everywhere: bool = False) -> pool.Pool:
    """The volunteers the slots could reach (or only the given ones), with their commitments in the window that
    overlap, the rest rule and the monthly cap look at."""
    specs = [s.spec for s in slots]
    rest = timedelta(hours=float(_config()["DISPATCH_REST_HOURS"]))
    first = min(s.starts_at for s in specs)
    last = max(s.starts_at for s in specs)
    month_end = (_local_month_start(last) + timedelta(days=32)).replace(day=1)
    # Only members of a slot's area team get an edge (graph.build): a re-offer of one need reads its team,
    # not the whole reach (a city's 85,000 volunteers: 0.6 s).
    teams = 0
    for spec in specs:
        if spec.area in pool.AREA_INDEX:
            teams |= 1 << pool.AREA_INDEX[spec.area]
    return pool.load(
        [] if everywhere else _reach_prefixes(specs),
        wanted_skills=sorted({skill for s in specs for skill in s.skills}),
        activity_ids=[s.activity_id for s in specs],
        busy_from=min(_local_month_start(first), first - rest),
        busy_to=max(month_end, max(s.ends_at for s in specs) + rest),
        only=only,
        teams=teams,
        windows=[_cells(spec) for spec in specs],
    )


def _cells(spec: SlotSpec) -> list[tuple[int, int]]:
    """The slot's needed half-hours as (weekday, bits) pairs, for the pool's availability pre-filter."""
    return [(day, int(bits)) for day, bits in enumerate(eligibility.needed_masks(spec.starts_at, spec.ends_at)) if bits]


# --- offers --------------------------------------------------------------------------------------------------


def _draft(slot: Slot, found: pool.Pool, i: int, reach: int, paired: bool, now: datetime) -> offers.Draft:
    cost, reasons, terms = eligibility.cost_terms(
        reach=reach,
        needs_skills=bool(slot.spec.skills),
        hours_90d=float(found.half_hours_90d[i]) / 2,
        offers_90d=int(found.offers_90d[i]),
        no_shows=int(found.no_shows[i]),
        declines=int(found.declines[i]),
        paired=paired,
        weights=_config()["DISPATCH_WEIGHTS"],
    )
    return offers.Draft(
        activity=slot.activity,
        volunteer_id=int(found.ids[i]),
        expires_at=now + timedelta(hours=_config()["DISPATCH_OFFER_HOURS"]),
        cost=cost,
        terms={**terms, "reach_level": reach, "bonus": slot.spec.bonus},
        why="、".join(reasons),
    )


def _write(drafts: list[offers.Draft], round_id: int | None, now: datetime) -> list[offers.Made]:
    made = offers.make_offers(drafts, round_id=round_id)
    pool.bump_offers([o.volunteer_id for o in made], now)
    return made


def _still_eligible(
    slots: Sequence[Slot], chosen_slot: np.ndarray, chosen_ids: np.ndarray, mark: tuple[int, int] | None = None
) -> np.ndarray:
    """Under the lock: which chosen (slot, volunteer) pairs the graph rules still allow, their commitments read
    again (another writer may have offered them something since the round loaded). With the snapshot's `mark`,
    only the volunteers something happened to since are read again."""
    if not chosen_ids.size:
        return np.zeros(0, dtype=bool)
    if mark is not None:
        changed = pool.changed_since(mark, chosen_ids.tolist())
        keep = np.ones(chosen_ids.size, dtype=bool)
        if changed:
            suspect = np.isin(chosen_ids, np.fromiter(changed, dtype=np.int64))
            keep[suspect] = _still_eligible(slots, chosen_slot[suspect], chosen_ids[suspect])
        return keep
    again = load_pool(slots, only=chosen_ids.tolist(), everywhere=True)
    edges = graph.build([s.spec for s in slots], again, _config())
    allowed = edges.slot * (2**32) + again.ids[edges.volunteer]
    return np.isin(chosen_slot * (2**32) + chosen_ids, allowed)


def _keep_candidates(slots: Sequence[Slot], found: pool.Pool, solution: solver.Solution, round_id: int) -> None:
    activity_ids = [s.activity.id for s in slots]
    for chunk in range(0, len(activity_ids), 5000):
        ids = activity_ids[chunk : chunk + 5000]
        db.session.execute(delete(DispatchCandidate).where(among(DispatchCandidate.activity_id, ids)))
    counts = np.diff(solution.next_ptr)
    slot_of = np.repeat(np.arange(len(slots)), counts)
    if not slot_of.size:
        return
    columns = {
        "activity_id": np.array(activity_ids, dtype=np.int64)[slot_of],
        "rank": np.arange(slot_of.size) - np.repeat(solution.next_ptr[:-1], counts),
        "volunteer_id": found.ids[solution.next_volunteer],
        "cost": solution.next_cost,
        "round_id": np.full(slot_of.size, round_id, dtype=np.int64),
    }
    if db.session.get_bind().dialect.name == "postgresql":
        pool.write_columns("dispatch_candidates", columns)  # one binary COPY built by numpy
    else:
        rows = [
            dict(zip(columns, values, strict=True))
            for values in zip(*(c.tolist() for c in columns.values()), strict=True)
        ]
        db.session.execute(insert(DispatchCandidate), rows)


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
    config = _config()
    now = now or clock.now()
    started = time.perf_counter()
    record = DispatchRound(region_code=scope_code, started_by=principal.user_id if principal else None, started_at=now)
    db.session.add(record)
    db.session.flush()
    if pool.rollup_is_stale(now, timedelta(hours=float(config["DISPATCH_ROLLUP_MAX_AGE_HOURS"]))):
        pool.refresh_rollup(now)
    slots = load_slots(scope_prefix(scope_code), now)
    solution: solver.Solution | None = None
    made: list[offers.Made] = []
    edges_count = volunteers_count = 0
    if slots:
        mark = pool.watermark()
        found = load_pool(slots)
        edges = graph.build([s.spec for s in slots], found, config)
        edges_count, volunteers_count = edges.size, int(np.unique(edges.volunteer).size)
        problem = solver.Problem(
            edge_volunteer=edges.volunteer,
            edge_slot=edges.slot,
            edge_cost=edges.cost,
            demand=np.array([s.spec.demand for s in slots], dtype=np.int64),
            bonus=np.array([s.spec.bonus for s in slots], dtype=np.int64),
            num_volunteers=found.size,
        )
        solution = solver.solve(problem, next_k=int(config["DISPATCH_CANDIDATES"]))
        offers.lock()
        chosen = solution.edge
        keep = _still_eligible(slots, edges.slot[chosen], found.ids[edges.volunteer[chosen]], mark)
        drafts = [
            _draft(
                slots[int(edges.slot[e])],
                found,
                int(edges.volunteer[e]),
                int(edges.reach[e]),
                bool(edges.paired[e]),
                now,
            )
            for e in chosen[keep]
        ]
        made = _write(drafts, record.id, now)
        _keep_candidates(slots, found, solution, record.id)
        escalation.relay_gaps([s.activity.id for s in slots if s.activity.relay and s.activity.status == "open"], now)
    record.slots = sum(s.spec.demand for s in slots)
    record.volunteers = volunteers_count
    record.edges = edges_count
    record.offers = len(made)
    record.filled = sum(1 for s in slots if s.activity.status == "filled")
    record.cost = sum(o.cost - int(o.terms["bonus"]) for o in made)
    record.solver_status = solution.status if solution else "NO_SLOTS"
    record.seconds = round(time.perf_counter() - started, 3)
    record.peak_memory_kb = _peak_memory_kb()
    audit.record("create", "dispatch_round", record.id, after=_figures(record), region_code=scope_code)
    return record


def _peak_memory_kb() -> int:
    """This process's own peak resident memory (VmHWM; ru_maxrss would carry a spawning parent's peak)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


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


# --- the incremental re-offer --------------------------------------------------------------------------------


def reoffer(activity_ids: list[int]) -> int:
    """Seats just freed (decline, expiry, revocation; one id per seat): offer each at once to its best remaining
    candidate. The slot's kept candidates first (a few key look-ups), re-checked by the same graph rules; its
    whole reach only when none of them can take it. Whoever was ever offered a slot is excluded, and each
    volunteer gets at most one new offer here, as in a round. Answers how many offers were made."""
    if not activity_ids:
        return 0
    now = clock.now()
    offers.lock()
    slots = load_slots("", now, activity_ids=set(activity_ids))
    if not slots:
        escalation.relay_gaps(activity_ids, now)  # a relay seat that can no longer be offered is a gap
        return 0
    freed = Counter(activity_ids)
    for slot in slots:
        slot.spec.demand = min(slot.spec.demand, freed[slot.activity.id])
    kept = db.session.execute(
        select(DispatchCandidate.activity_id, DispatchCandidate.volunteer_id).where(
            DispatchCandidate.activity_id.in_([s.activity.id for s in slots])
        )
    ).all()
    used: set[int] = set()
    drafts: list[offers.Draft] = []
    if kept:
        found = load_pool(slots, only=sorted({v for _a, v in kept}), everywhere=True)
        listed = {(a, v) for a, v in kept}
        drafts += _pick(slots, found, now, used, allowed=listed)
    short = [s for s in slots if s.spec.demand > sum(1 for d in drafts if d.activity is s.activity)]
    if short:
        for slot in short:
            slot.spec.demand -= sum(1 for d in drafts if d.activity is slot.activity)
        drafts += _pick(short, load_pool(short), now, used)
    made = _write(drafts, None, now)
    # A relay occurrence nobody can take is a gap in the coverage: escalated at once, not 48 hours before.
    offered = {o.activity_id for o in made}
    escalation.relay_gaps([s.activity.id for s in slots if s.activity.relay and s.activity.id not in offered], now)
    return len(made)


def _pick(
    slots: Sequence[Slot],
    found: pool.Pool,
    now: datetime,
    used: set[int],
    *,
    allowed: set[tuple[int, int]] | None = None,
) -> list[offers.Draft]:
    """Per slot, its cheapest eligible volunteers up to its demand, each volunteer once."""
    edges = graph.build([s.spec for s in slots], found, _config())
    drafts: list[offers.Draft] = []
    order = np.lexsort((found.ids[edges.volunteer], edges.cost, edges.slot))
    taken = Counter[int]()
    for e in order:
        j, i = int(edges.slot[e]), int(edges.volunteer[e])
        slot, volunteer = slots[j], int(found.ids[i])
        if taken[j] >= slot.spec.demand or volunteer in used:
            continue
        if allowed is not None and (slot.activity.id, volunteer) not in allowed:
            continue
        used.add(volunteer)
        taken[j] += 1
        drafts.append(_draft(slot, found, i, int(edges.reach[e]), bool(edges.paired[e]), now))
    return drafts


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
    """The bot, hourly: one round per county that has open slots, each committed on its own. Answers how many."""
    now = clock.now()
    counties = sorted({s.activity.village_code[:6] for s in load_slots("", now)})
    for county in counties:
        run_round(None, county, now)
        db.session.commit()
    return len(counties)
