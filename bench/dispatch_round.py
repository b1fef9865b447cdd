"""A dispatch round at province scale, from the database to offers written (run by hand, not by pytest).

    python bench/dispatch_round.py                               # 10⁶ volunteers, 10⁴ open seats, PostgreSQL
    python bench/dispatch_round.py --volunteers 100000 --slots 1000        # a tenth of each
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_dispatch python bench/dispatch_round.py

Builds a Shanxi-shaped province once in its own database (created when missing; on --rebuild, or when the
sizes asked for differ from the ones built, its schema is dropped and rebuilt by the migrations: never point
it at data you want to keep): the official cities and counties and 1,500 generated townships with ~19 villages
each (15 % poor villages), imported by the app's region import, 30 % of the counties flagged deep-poverty;
then by COPY the users, the volunteers (homes over the villages, a tenth at county level, denser in city
districts and thinner in deep-poverty counties; weekly availability windows, skills, 1 % paused, 1 % withdrawn,
a tenth with a monthly cap of their own; the derived availability_mask, skill_keys and team_bits columns filled here,
since no validator runs for COPY), their team memberships (one or two of the nine areas), their dispatch
rollups (past hours, offers, declines and no-shows drawn from skewed distributions), and the open, approved
needs (capacity 1–3, `--slots` seats in all, starting over the next 14 days, a quarter asking for a skill,
more of them in deep-poverty counties and poor villages). The clock is pinned (NOW) so every run sees the
same snapshot; each run first puts the dispatch tables back as built (offers, holds, candidates, rollups).

Then, in one run, one table:
- the round: rounds.run_round(None, "140000") and its commit in a fresh process (peak RSS = that process's
  VmHWM), and, in another fresh process on the same snapshot (rolled back afterwards), the same functions
  run_round calls, in the same order, each timed; that process also saves the eligible graph;
- the bare OR-Tools solve of that graph, unpruned (bench/dispatch_solver.py's `bare`), and the maximum number
  of offers by an independent max-flow: the round's offers and cost beside the maximum and the optimum;
- greedy first-come, the issue's baseline, as self sign-up works today (bench/dispatch_solver.py's `first_come`:
  volunteers in a seeded random order of arrival, each taking their cheapest open slot, ties to the need posted
  first), on the same graph and objective: the "≥ 20 % lower cost" and "more priority needs filled" targets are
  judged against it; beside it, labelled, greedy by slot, a stronger cost-aware baseline (`greedy`: needs in
  posting order, each taking its cheapest volunteers not yet offered one). Cost with the unfilled penalty is
  dominated by the seats no assignment can fill (seats − maximum, the same constant for all three), so the
  "≥ 20 % lower" target is judged on the edge cost alone (what the offers made cost: reach, skill fit, fairness,
  reliability, team), with as many offers as first come, and filled and priority seats judged on their own rows;
- incremental re-offers: an offer of the round declined through app.dispatch.offers (whose freed hook runs
  rounds.reoffer) and committed, `--samples` times;
- a simulated year on a city in memory (no database): 52 weekly rounds through graph.build and solver.solve,
  declines and no-shows drawn per volunteer and week (the same draws for both policies), a declined seat
  re-offered down the slot's next candidates, hours in a rolling 90-day window; ours beside first come (nobody
  is asked, so nobody declines: whoever draws a decline that week just does not sign up) and greedy by slot.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bulk import Raw, load  # noqa: E402
from bench.dispatch_solver import bare, first_come, gini, greedy  # noqa: E402

PROVINCE = "140000"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_dispatch"
#: The pinned clock: 1 December 2026, 09:00 in China.
NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
STEMS = "东西南北上下前后大小新老高柳杨李王张赵刘马石河沟坪峪庄堡寨"
#: Skills as volunteers type them (the keys are their normalised forms) and how often each is held.
SKILLS = ["急救", "驾驶", "ＰＰＴ 制作", "摄影", "电工", "农技", "支教", "心理咨询", "手语", "电商运营"]
SKILL_SHARE = [0.12, 0.15, 0.10, 0.08, 0.05, 0.10, 0.12, 0.04, 0.02, 0.06]
#: Window starts and lengths people give for their weekly availability, and the weekday weights (Mon … Sun).
WINDOW_STARTS = ["08:00", "09:00", "13:30", "14:00", "18:30", "19:00"]
WINDOW_HOURS = [3, 4, 5, 6]
WEEKDAY_WEIGHTS = np.array([0.09, 0.09, 0.09, 0.09, 0.09, 0.275, 0.275])
#: Needs start at these local times and last 2, 3 or 4 hours (a few a whole day: the rest rule's long service).
NEED_STARTS = [(9, 0), (9, 30), (14, 0), (14, 30), (19, 0)]
TARGETS = {"seconds": 10.0, "rss_gib": 2.0, "ratio": 3.0, "reoffer_ms": 200.0, "vs_greedy": 0.20}


# --- options -----------------------------------------------------------------------------------------------


def options(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--volunteers", type=int, default=1_000_000)
    parser.add_argument("--slots", type=int, default=10_000, help="open seats in all (needs of capacity 1–3)")
    parser.add_argument("--townships", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--rebuild", action="store_true", help="drop and build the data again")
    parser.add_argument("--samples", type=int, default=20, help="incremental re-offers to time")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (and step breakdowns) to run: medians shown")
    parser.add_argument("--year-volunteers", type=int, default=90_000, help="the simulated city's volunteers")
    parser.add_argument("--year-seats", type=int, default=450, help="the simulated city's seats a week")
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--in-process", action="store_true", help="no subprocesses (the toy-sized test)")
    parser.add_argument("--child", choices=("stages", "round"), help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- shapes shared by the database build and the simulated year ---------------------------------------------


def availability_profiles(rng: np.random.Generator, count: int) -> list[list[dict]]:
    """Weekly availability as people give it: one to three windows, weekends likelier."""
    profiles = []
    for _ in range(count):
        windows = []
        for _ in range(int(rng.choice([2, 3, 4, 4, 5, 6]))):
            weekday = int(rng.choice(7, p=WEEKDAY_WEIGHTS / WEEKDAY_WEIGHTS.sum())) + 1
            start = str(rng.choice(WINDOW_STARTS))
            hours, minutes = (int(p) for p in start.split(":"))
            end_hour = hours + int(rng.choice(WINDOW_HOURS))
            end = "23:59" if end_hour >= 24 else f"{end_hour:02d}:{minutes:02d}"
            windows.append({"weekday": weekday, "start": start, "end": end})
        profiles.append(windows)
    return profiles


def skill_profiles(rng: np.random.Generator, count: int) -> list[list[str]]:
    """Sets of skills volunteers hold (most hold none)."""
    held = rng.random((count, len(SKILLS))) < np.array(SKILL_SHARE)[None, :]
    return [[SKILLS[k] for k in np.flatnonzero(row)] for row in held]


def volunteer_columns(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Per volunteer: availability and skill profile numbers, team bits, rollup figures, caps, pauses."""
    from app.dispatch.pool import AREA_INDEX

    areas = len(AREA_INDEX)
    first = rng.integers(0, areas, n)
    second = np.where(rng.random(n) < 0.6, rng.integers(0, areas, n), first)
    teams = (np.left_shift(1, first) | np.left_shift(1, second)).astype(np.int64)
    # Past service, skewed: most did little in the last 90 days, a few did a lot.
    active = rng.random(n) < 0.45
    half_hours = np.where(active, np.minimum(rng.lognormal(2.0, 1.0, n), 400), 0).astype(np.int64)
    offers = np.where(active, rng.negative_binomial(1, 0.35, n), rng.poisson(0.3, n)).astype(np.int64)
    declines = rng.binomial(offers, 0.2).astype(np.int64)
    no_shows = rng.binomial(np.where(active, 4, 0), 0.04).astype(np.int64)
    return {
        "availability": np.minimum(rng.geometric(1 / 400, n) - 1, 1999).astype(np.int64),  # some profiles commoner
        "skills": rng.integers(0, 1000, n),
        "teams": teams,
        "half_hours": half_hours,
        "offers": offers,
        "declines": declines,
        "no_shows": no_shows,
        "cap": np.where(rng.random(n) < 0.1, rng.integers(4, 21, n), -1).astype(np.int64),
        "paused": rng.random(n) < 0.01,
        "withdrawn": rng.random(n) < 0.01,
    }


def need_times(rng: np.random.Generator, count: int, now: datetime, days: int) -> tuple[list[datetime], list[datetime]]:
    """Starts spread over the next `days` days (after sign-up closes), at the usual local hours."""
    from app.dispatch.eligibility import ZONE

    local = now.astimezone(ZONE)
    midnight = datetime(local.year, local.month, local.day, tzinfo=ZONE)
    starts: list[datetime] = []
    ends: list[datetime] = []
    while len(starts) < count:
        day = int(rng.integers(0, days))
        hour, minute = NEED_STARTS[int(rng.integers(0, len(NEED_STARTS)))]
        start = (midnight + timedelta(days=day, hours=hour, minutes=minute)).astimezone(UTC)
        if start <= now + timedelta(hours=3):
            continue
        hours = 8 if rng.random() < 0.04 else int(rng.choice([2, 3, 3, 4]))
        if hour >= 19:
            hours = min(hours, 3)
        starts.append(start)
        ends.append(start + timedelta(hours=hours))
    return starts, ends


# --- the database ------------------------------------------------------------------------------------------


def _create_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}):
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    engine.dispose()


def make_app(url: str):
    from app import create_app

    return create_app("test", SQLALCHEMY_DATABASE_URI=url)


def _built_with(args: argparse.Namespace) -> dict[str, int]:
    return {"volunteers": args.volunteers, "slots": args.slots, "townships": args.townships, "seed": args.seed}


def ensure_data(app, args: argparse.Namespace) -> float:
    """Build the province unless the marker says it is already built with these sizes. Answers seconds spent."""
    from sqlalchemy import inspect, text

    from app.extensions import db

    with app.app_context():
        if not args.rebuild and inspect(db.engine).has_table("bench_dispatch_built"):
            row = db.session.execute(text("SELECT params FROM bench_dispatch_built")).scalar()
            if row is not None and json.loads(row) == _built_with(args):
                return 0.0
        started = time.perf_counter()
        build(args)
        return time.perf_counter() - started


def build(args: argparse.Namespace) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import select, text, update

    from app.dispatch.pool import AREA_INDEX
    from app.extensions import db
    from app.regions import operations as regions
    from app.regions.models import Region
    from app.volunteers.availability import mask_bytes, skill_keys

    rng = np.random.default_rng(args.seed)
    db.session.remove()
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        else:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(text(f"DROP TABLE IF EXISTS {table.name}"))
            for extra in ("alembic_version", "bench_dispatch_built", "bench_rollup_base"):
                conn.execute(text(f"DROP TABLE IF EXISTS {extra}"))
    upgrade()
    regions.load_official(PROVINCE)
    counties = sorted(db.session.scalars(select(Region.code).where(Region.level == "county")))
    lines = ["code,name,poor_village"]
    for n in range(args.townships):
        township = f"{counties[n % len(counties)]}{100 + n // len(counties):03d}"
        lines.append(f"{township},{_name(rng)}镇,")
        for v in range(1, int(rng.integers(12, 27)) + 1):
            lines.append(f"{township}{200 + v:03d},{_name(rng)}村,{'是' if rng.random() < 0.15 else '否'}")
    rows, errors = regions.read_csv(lines)
    report = regions.import_rows(rows, errors)
    assert not report.errors, report.errors[:3]
    deep = sorted(c for c in counties if rng.random() < 0.3)
    db.session.execute(update(Region).where(Region.code.in_(deep)).values(deep_poverty=True))
    db.session.commit()
    villages = db.session.execute(
        select(Region.code, Region.poor_village).where(Region.level == "village").order_by(Region.code)
    ).all()
    village_codes = np.array([v.code for v in villages])
    village_county = np.array([v.code[:6] for v in villages])
    poor = np.array([bool(v.poor_village) for v in villages])
    county_index = {c: i for i, c in enumerate(counties)}
    of_county = np.array([county_index[c] for c in village_county])
    is_deep = np.isin(np.array(counties), deep)
    urban = np.array([c[4:6] < "20" for c in counties])  # 市辖区: the city districts

    # Volunteers: denser in city districts, thinner where poverty is deep (the young have left).
    weight = rng.lognormal(0, 0.5, len(counties)) * np.where(urban, 2.5, 1.0) * np.where(is_deep, 0.45, 1.0)
    per_village = weight[of_county] / np.bincount(of_county, minlength=len(counties))[of_county]
    n = args.volunteers
    home_village = rng.choice(village_codes.size, n, p=per_village / per_village.sum())
    at_county = rng.random(n) < 0.1
    homes = np.where(at_county, village_county[home_village], village_codes[home_village])
    cols = volunteer_columns(rng, n)
    avail = availability_profiles(rng, 2000)
    avail_json = [json.dumps(p) for p in avail]
    avail_mask = [mask_bytes(p) for p in avail]
    skills = skill_profiles(rng, 1000)
    skills_json = [json.dumps(s, ensure_ascii=False) for s in skills]
    keys_json = [json.dumps(skill_keys(s), ensure_ascii=False) for s in skills]
    created = NOW - timedelta(days=400)
    withdrawn = NOW - timedelta(days=30)
    organiser = n + 1
    load(
        "users",
        ("id", "openid", "is_admin", "created_at"),
        [(u, f"bench-{u}", False, created) for u in range(1, n + 2)],
    )
    columns = (
        "id", "user_id", "name", "home_region_code", "skills", "availability", "consent_version", "consented_at",
        "created_at", "updated_at", "withdrawn_at", "offers_paused", "monthly_hours_cap", "availability_mask",
        "skill_keys", "team_bits",
    )  # fmt: skip
    rows_v = []
    for i in range(n):
        a, s = int(cols["availability"][i]), int(cols["skills"][i])
        cap = int(cols["cap"][i])
        rows_v.append(
            (i + 1, i + 1, "志愿者", str(homes[i]), Raw(skills_json[s]), Raw(avail_json[a]), "2026-11", created,
             created, created, withdrawn if cols["withdrawn"][i] else None, bool(cols["paused"][i]),
             cap if cap > 0 else None, avail_mask[a], Raw(keys_json[s]), int(cols["teams"][i]))
        )  # fmt: skip
    load("volunteers", columns, rows_v)
    del rows_v
    area_names = list(AREA_INDEX)
    teams = [
        (i + 1, area_names[k], created)
        for i in range(n)
        for k in range(len(area_names))
        if int(cols["teams"][i]) >> k & 1
    ]
    load("team_memberships", ("volunteer_id", "area", "joined_at"), teams)
    del teams
    rollups = [
        (
            i + 1,
            int(cols["half_hours"][i]),
            int(cols["offers"][i]),
            int(cols["declines"][i]),
            int(cols["no_shows"][i]),
            NOW,
        )
        for i in range(n)
        if cols["half_hours"][i] or cols["offers"][i] or cols["no_shows"][i]
    ]
    rollup_columns = ("volunteer_id", "half_hours_90d", "offers_90d", "declines_90d", "no_shows", "refreshed_at")
    load("dispatch_rollups", rollup_columns, rollups)
    del rollups

    # Needs: more of them in deep-poverty counties and poor villages; posted over the last weeks, in id order.
    need_weight = (
        np.where(is_deep, 2.0, 1.0)[of_county] * np.where(poor, 2.0, 1.0) * np.where(urban, 0.5, 1.0)[of_county]
    )
    capacities: list[int] = []
    while sum(capacities) < args.slots:
        capacities.append(min(int(rng.choice([1, 1, 2, 2, 3])), args.slots - sum(capacities)))
    count = len(capacities)
    places = rng.choice(village_codes.size, count, p=need_weight / need_weight.sum())
    starts, ends = need_times(rng, count, NOW, 14)
    area_of = rng.integers(0, len(area_names), count)
    wants_skill = rng.random(count) < 0.25
    skill_of = rng.choice(len(SKILLS), count, p=np.array(SKILL_SHARE) / sum(SKILL_SHARE))
    posted = sorted(NOW - timedelta(minutes=int(m)) for m in rng.integers(60, 30 * 24 * 60, count))
    activities = [
        (k + 1, "need", str(village_codes[places[k]]), "基准测试需求", "", area_names[int(area_of[k])],
         [SKILLS[int(skill_of[k])]] if wants_skill[k] else [], starts[k], ends[k], capacities[k], 0, 0, "open",
         organiser, posted[k], posted[k], organiser, posted[k])
        for k in range(count)
    ]  # fmt: skip
    load(
        "activities",
        ("id", "type", "village_code", "title", "description", "area", "skills", "starts_at", "ends_at", "capacity",
         "taken", "held", "status", "created_by", "created_at", "updated_at", "reviewed_by", "reviewed_at"),
        activities,
    )  # fmt: skip
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE bench_rollup_base AS SELECT * FROM dispatch_rollups"))
        conn.execute(text("CREATE TABLE bench_dispatch_built (params TEXT)"))
        conn.execute(text("INSERT INTO bench_dispatch_built VALUES (:p)"), {"p": json.dumps(_built_with(args))})


def _name(rng: np.random.Generator) -> str:
    return "".join(STEMS[int(k)] for k in rng.integers(0, len(STEMS), 2))


def reset(app) -> None:
    """The dispatch tables back as built: no offers, holds, candidates or rounds; the rollups as drawn."""
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        statements = [
            "DELETE FROM dispatch_candidates",
            "DELETE FROM offers",
            "DELETE FROM dispatch_rounds",
            "DELETE FROM messages WHERE key LIKE 'offer:%'",
            "DELETE FROM audit_log WHERE object_type IN ('offer', 'dispatch_round')",
            "UPDATE activities SET held = 0, status = 'open' WHERE type = 'need' AND (held <> 0 OR status <> 'open')",
            "DELETE FROM dispatch_rollups",
            "INSERT INTO dispatch_rollups SELECT * FROM bench_rollup_base",
        ]
        for statement in statements:
            db.session.execute(text(statement))
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                # volunteers too: a re-offer's pool is read from ix_volunteers_team_bits_home alone once the
                # visibility map says its pages are all visible (autovacuum's work in production).
                tables = "volunteers, offers, activities, dispatch_rollups, dispatch_candidates, messages"
                conn.execute(text(f"VACUUM ANALYZE {tables}"))


# --- the round, in a fresh process -------------------------------------------------------------------------


def peak_rss_kb() -> int:
    """This process's own peak RSS: VmHWM (per address space, so fresh after exec), where /proc has it. Not
    ru_maxrss: Linux keeps that across fork and exec, so a child would report its parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child_round(url: str) -> dict[str, Any]:
    """rounds.run_round(None, "140000") and its commit, as the bot's worker runs it."""
    from app.core import clock
    from app.dispatch import rounds
    from app.extensions import db

    app = make_app(url)
    with app.app_context():
        clock.freeze(NOW)
        db.session.execute(db.select(1))  # connect before the clock starts
        rss_before = peak_rss_kb()
        started = time.perf_counter()
        record = rounds.run_round(None, PROVINCE)
        inside = time.perf_counter() - started
        round_id = record.id
        figures: dict[str, Any] = {
            "round_id": round_id,
            "record_seconds": record.seconds,
            "slots": record.slots,
            "volunteers": record.volunteers,
            "edges": record.edges,
            "offers": record.offers,
            "filled": record.filled,
            "cost": record.cost,
            "status": record.solver_status,
        }
        db.session.commit()
        figures["seconds"] = time.perf_counter() - started
        figures["commit_seconds"] = figures["seconds"] - inside
        figures["rss_before_kb"] = rss_before
        figures["rss_kb"] = peak_rss_kb()
        figures["ru_maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        clock.freeze(None)
    return figures


def child_stages(url: str, out: str) -> dict[str, Any]:
    """What run_round does, step by step and each timed, on the same snapshot, rolled back at the end; saves the
    eligible graph (and the pool ids and offers) to `out` for the bare solve and greedy."""
    from datetime import timedelta as _td

    from flask import current_app

    from app.core import clock
    from app.core.access import scope_prefix
    from app.dispatch import escalation, graph, offers, pool, rounds, solver
    from app.dispatch.models import DispatchRound
    from app.extensions import db

    app = make_app(url)
    times: dict[str, float] = {}
    with app.app_context():
        clock.freeze(NOW)
        config = current_app.config
        db.session.execute(db.select(1))
        now = clock.now()

        def step(name: str, work):
            t = time.perf_counter()
            answer = work()
            times[name] = time.perf_counter() - t
            return answer

        def begin():
            record = DispatchRound(region_code=PROVINCE, started_by=None, started_at=now)
            db.session.add(record)
            db.session.flush()
            age = _td(hours=float(config["DISPATCH_ROLLUP_MAX_AGE_HOURS"]))
            if pool.rollup_is_stale(now, age):
                pool.refresh_rollup(now)
            return record

        record = step("record, rollup check", begin)
        slots = step("load slots", lambda: rounds.load_slots(scope_prefix(PROVINCE), now))
        mark = pool.watermark()
        found = step("load pool", lambda: rounds.load_pool(slots))
        edges = step("build graph", lambda: graph.build([s.spec for s in slots], found, config))
        problem = solver.Problem(
            edge_volunteer=edges.volunteer,
            edge_slot=edges.slot,
            edge_cost=edges.cost,
            demand=np.array([s.spec.demand for s in slots], dtype=np.int64),
            bonus=np.array([s.spec.bonus for s in slots], dtype=np.int64),
            num_volunteers=found.size,
        )
        solution = step("solve", lambda: solver.solve(problem, next_k=int(config["DISPATCH_CANDIDATES"])))
        chosen = solution.edge

        def recheck():
            offers.lock()
            return rounds._still_eligible(slots, edges.slot[chosen], found.ids[edges.volunteer[chosen]], mark)

        keep = step("lock, recheck", recheck)
        drafts = step(
            "drafts (cost terms, reasons)",
            lambda: [
                rounds._draft(
                    slots[int(edges.slot[e])], found, int(edges.volunteer[e]), int(edges.reach[e]),
                    bool(edges.paired[e]), now,
                )
                for e in chosen[keep]
            ],
        )  # fmt: skip
        made = step("write offers, holds, messages", lambda: rounds._write(drafts, record.id, now))
        step("keep candidates", lambda: rounds._keep_candidates(slots, found, solution, record.id))
        step(
            "relay gaps",
            lambda: escalation.relay_gaps(
                [s.activity.id for s in slots if s.activity.relay and s.activity.status == "open"], now
            ),
        )
        figures = {
            "times": times,
            "offers": len(made),
            "kept": int(keep.sum()),
            "solver_filled": solution.filled,
            "solver_cost": solution.cost,
            "solver_status": solution.status,
            "penalty": solution.penalty,
            "edges_used": solution.edges_used,
            "pool": found.size,
            "needs": len(slots),
            "rss_kb": peak_rss_kb(),
        }
        np.savez(
            out,
            volunteer=edges.volunteer,
            slot=edges.slot,
            cost=edges.cost,
            demand=problem.demand,
            bonus=problem.bonus,
            num_volunteers=np.array([found.size]),
            activity_ids=np.array([s.activity.id for s in slots], dtype=np.int64),
            pool_ids=found.ids,
            offers_90d=found.offers_90d,
        )
        db.session.rollback()
        clock.freeze(None)
    return figures


def _in_child(args: argparse.Namespace, kind: str, out: str | None = None) -> dict[str, Any]:
    if args.in_process:
        return child_round(args.url) if kind == "round" else child_stages(args.url, out or "")
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        result_path = handle.name
    command = [
        sys.executable,
        __file__,
        "--child",
        kind,
        "--url",
        args.url,
        "--out",
        out or "",
        "--result",
        result_path,
    ]
    subprocess.run(command, check=True)
    figures = json.loads(Path(result_path).read_text())
    os.unlink(result_path)
    return figures


# --- the solver's ceiling, the maximum, greedy ---------------------------------------------------------------


def maximum_offers(problem) -> int:
    """The most offers any assignment makes (one per volunteer, seats per slot): an independent max-flow."""
    from ortools.graph.python import max_flow

    v, s = problem.edge_volunteer, problem.edge_slot
    nv, ns = problem.num_volunteers, problem.demand.size
    flow = max_flow.SimpleMaxFlow()
    i32 = np.int32
    first_slot = 2 + nv
    flow.add_arcs_with_capacity(
        np.concatenate([np.zeros(nv, i32), (2 + v).astype(i32), np.arange(first_slot, first_slot + ns, dtype=i32)]),
        np.concatenate([np.arange(2, 2 + nv, dtype=i32), (first_slot + s).astype(i32), np.ones(ns, i32)]),
        np.concatenate([np.ones(nv + v.size, np.int64), problem.demand.astype(np.int64)]),
    )
    status = flow.solve(0, 1)
    assert status == flow.OPTIMAL, status
    return int(flow.optimal_flow())


def figures_of(problem, slots: np.ndarray, vols: np.ndarray, costs: np.ndarray, penalty: int, offers_90d: np.ndarray):
    """Offers, cost (edge cost − bonus), cost with the unfilled penalty, priority slots filled, Gini of offers."""
    demand = int(problem.demand.sum())
    cost = int(costs.sum() - problem.bonus[slots].sum())
    per_slot = np.bincount(slots, minlength=problem.demand.size)
    priority = problem.bonus > 0
    load = offers_90d.copy()
    np.add.at(load, vols, 1)
    candidates = np.bincount(problem.edge_volunteer, minlength=load.size) > 0
    return {
        "offers": int(vols.size),
        "cost": cost,
        "with_penalty": cost + penalty * (demand - int(vols.size)),
        "edge_cost": int(costs.sum()),
        "priority_filled": int(((per_slot >= problem.demand) & priority).sum()),
        "priority_slots": int(priority.sum()),
        "slots_filled": int((per_slot >= problem.demand).sum()),
        "gini": gini(load[candidates]),
    }


def round_offers(app, round_id: int, saved) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The round's offers as (slot index, volunteer position, edge cost) of the saved snapshot."""
    from sqlalchemy import select

    from app.dispatch.models import Offer
    from app.extensions import db

    with app.app_context():
        rows = db.session.execute(
            select(Offer.activity_id, Offer.volunteer_id, Offer.cost).where(Offer.round_id == round_id)
        ).all()
    activity_ids, pool_ids = saved["activity_ids"], saved["pool_ids"]
    order = np.argsort(activity_ids)
    a = np.array([r[0] for r in rows], dtype=np.int64)
    slots = order[np.searchsorted(activity_ids[order], a)]
    vols = np.searchsorted(pool_ids, np.array([r[1] for r in rows], dtype=np.int64))
    return slots, vols, np.array([r[2] for r in rows], dtype=np.int64)


# --- incremental re-offers ---------------------------------------------------------------------------------


def reoffers(app, round_id: int, samples: int, seed: int) -> dict[str, Any]:
    """Decline one open offer of the round (offers._close, as POST /assignments/{id}/decline does) and commit:
    the freed hook runs rounds.reoffer in the same transaction. Timed `samples` times, the first in this process
    cold (SQLAlchemy compiles each statement once per process); then a few whose slot's kept candidates are gone
    (their rows deleted first, as after as many declines), so the re-offer loads the slot's whole reach."""
    from sqlalchemy import delete, func, select

    from app.core import clock
    from app.dispatch import offers
    from app.dispatch.models import DispatchCandidate, Offer
    from app.extensions import db

    rng = np.random.default_rng(seed)
    times: list[float] = []
    fallback: list[float] = []
    made = 0
    with app.app_context():
        clock.freeze(NOW)
        open_ids = list(
            db.session.scalars(select(Offer.id).where(Offer.round_id == round_id, Offer.status == "offered"))
        )
        extra = max(1, samples // 2)
        count = min(samples + extra, len(open_ids))
        picks: list[int] = rng.choice(open_ids, count, replace=False).tolist() if open_ids else []
        for n, offer_id in enumerate(picks):
            exhausted = n >= samples
            before = int(
                db.session.scalar(select(func.count()).select_from(Offer).where(Offer.round_id.is_(None))) or 0
            )
            if exhausted:
                activity_id = db.session.get_one(Offer, int(offer_id)).activity_id
                db.session.execute(delete(DispatchCandidate).where(DispatchCandidate.activity_id == activity_id))
            db.session.commit()
            started = time.perf_counter()
            closed = offers._close([int(offer_id)], "declined")
            db.session.commit()
            (fallback if exhausted else times).append(time.perf_counter() - started)
            assert closed == [int(offer_id)]
            after = int(db.session.scalar(select(func.count()).select_from(Offer).where(Offer.round_id.is_(None))) or 0)
            made += after - before
            db.session.commit()
        clock.freeze(None)
    nan = float("nan")
    return {
        "samples": len(times),
        "median_ms": statistics.median(times) * 1000 if times else nan,
        "max_ms": max(times) * 1000 if times else nan,
        "first_ms": times[0] * 1000 if times else nan,
        "warm_max_ms": max(times[1:]) * 1000 if len(times) > 1 else nan,
        "fallback_samples": len(fallback),
        "fallback_median_ms": statistics.median(fallback) * 1000 if fallback else nan,
        "fallback_max_ms": max(fallback) * 1000 if fallback else nan,
        "fallback_each_ms": [round(t * 1000) for t in fallback],
        "reoffered": made,
    }


# --- the simulated year ------------------------------------------------------------------------------------


def simulate_year(volunteers: int, weekly_seats: int, weeks: int, seed: int, config) -> dict[str, dict[str, float]]:
    """52 weekly rounds on a city in memory, ours (graph.build + solver.solve) beside greedy first-come."""
    from app.dispatch import graph, solver
    from app.dispatch.eligibility import day_masks
    from app.dispatch.pool import AREA_INDEX, Pool
    from app.volunteers.availability import skill_keys

    rng = np.random.default_rng(seed)
    # A city of 10 counties × 12 townships × 19 villages, three of the counties deep-poverty, 15 % poor villages.
    counties = [f"1499{c:02d}" for c in range(1, 11)]
    villages = [f"{c}{100 + t:03d}{200 + v:03d}" for c in counties for t in range(12) for v in range(1, 20)]
    village_county = np.array([int(code[4:6]) - 1 for code in villages])
    deep = np.isin(np.arange(10), [2, 5, 8])
    poor = rng.random(len(villages)) < 0.15
    weight = rng.lognormal(0, 0.5, 10) * np.where(deep, 0.45, 1.0) * np.where(np.arange(10) < 3, 2.5, 1.0)
    per_village = weight[village_county] / np.bincount(village_county)[village_county]
    home = rng.choice(len(villages), volunteers, p=per_village / per_village.sum())
    at_county = rng.random(volunteers) < 0.1
    codes = np.array([int(v.ljust(12, "0")) for v in villages], dtype=np.int64)
    county_codes = np.array([int(c.ljust(12, "0")) for c in counties], dtype=np.int64)
    home_padded = np.where(at_county, county_codes[village_county[home]], codes[home])
    home_digits = np.where(at_county, 6, 12).astype(np.int64)
    cols = volunteer_columns(rng, volunteers)
    profiles = availability_profiles(rng, 2000)
    masks = np.stack([day_masks(p) for p in profiles])[cols["availability"]]
    skill_sets = [skill_keys(s) for s in skill_profiles(rng, 1000)]
    skills = {
        key: np.array([key in skill_sets[k] for k in range(1000)])[cols["skills"]]
        for key in sorted({k for s in skill_sets for k in s})
    }
    order = np.argsort(home_padded, kind="stable")  # the pool is sorted by id; ids here follow the home order
    home_padded, home_digits, masks = home_padded[order], home_digits[order], masks[order]
    teams = cols["teams"][order]
    skills = {k: v[order] for k, v in skills.items()}
    cap = cols["cap"][order]
    area_names = list(AREA_INDEX)
    bonus_table = config["DISPATCH_PRIORITY_BONUS"]
    k_next = int(config["DISPATCH_CANDIDATES"])
    start = NOW
    window = 13  # weeks: the rolling 90 days

    state: dict[str, dict[str, Any]] = {
        name: {
            "hours": np.zeros((window, volunteers), dtype=np.int64),  # half-hours served, per week of the window
            "offers": np.zeros((window, volunteers), dtype=np.int64),
            "declines": np.zeros((window, volunteers), dtype=np.int64),
            "no_shows": np.zeros(volunteers, dtype=np.int64),
            "year_hours": np.zeros(volunteers, dtype=np.float64),
            "busy": [],  # (volunteer, start, end) accepted, for the overlap, rest and monthly-cap rules
            "seats": 0,
            "filled": 0,
            "served": 0,
            "declined": 0,
            "candidate": np.zeros(volunteers, dtype=bool),
            "priority_seats": 0,
            "priority_filled": 0,
        }
        for name in ("ours", "first_come", "greedy")
    }
    for week in range(weeks):
        now = start + timedelta(weeks=week)
        wrng = np.random.default_rng([seed, week])
        capacities: list[int] = []
        while sum(capacities) < weekly_seats:
            capacities.append(int(wrng.choice([1, 1, 2, 2, 3])))
        count = len(capacities)
        place_weight = np.where(deep, 2.0, 1.0)[village_county] * np.where(poor, 2.0, 1.0)
        places = wrng.choice(len(villages), count, p=place_weight / place_weight.sum())
        starts, ends = need_times(wrng, count, now, 7)
        area_of = wrng.integers(0, len(area_names), count)
        wants = wrng.random(count) < 0.25
        skill_of = wrng.choice(len(SKILLS), count, p=np.array(SKILL_SHARE) / sum(SKILL_SHARE))
        posting = wrng.permutation(count)
        arrival = wrng.permutation(volunteers)  # who opens the app first this week (self sign-up)
        declines_draw = wrng.random(volunteers) < 0.20
        no_show_draw = wrng.random(volunteers) < 0.05
        specs = [
            graph.SlotSpec(
                activity_id=week * 100_000 + j,
                village_code=villages[int(places[j])],
                area=area_names[int(area_of[j])],
                skills=skill_keys([SKILLS[int(skill_of[j])]]) if wants[j] else [],
                starts_at=starts[j],
                ends_at=ends[j],
                demand=capacities[j],
                bonus=(bonus_table["deep_poverty"] if deep[village_county[places[j]]] else 0)
                + (bonus_table["poor_village"] if poor[places[j]] else 0),
                reach=min(int(config["DISPATCH_MAX_REACH"]) + (starts[j] - now <= timedelta(hours=72)), 4),
                helpers=[],
            )
            for j in range(count)
        ]
        for name, s in state.items():
            s["busy"] = [b for b in s["busy"] if b[2] > int((now - timedelta(days=40)).timestamp())]
            busy = np.array(sorted(s["busy"]), dtype=np.int64).reshape(-1, 3)
            found = Pool(
                ids=np.arange(1, volunteers + 1, dtype=np.int64),
                home_padded=home_padded,
                home_digits=home_digits,
                masks=masks,
                half_hours_90d=s["hours"].sum(axis=0),
                offers_90d=s["offers"].sum(axis=0),
                declines=s["declines"].sum(axis=0),
                no_shows=s["no_shows"],
                monthly_cap=cap,
                teams=teams,
                skills=skills,
                busy_volunteer=busy[:, 0],
                busy_start=busy[:, 1],
                busy_end=busy[:, 2],
                busy_offer=np.zeros(busy.shape[0], dtype=bool),
            )
            edges = graph.build(specs, found, config)
            problem = solver.Problem(
                edge_volunteer=edges.volunteer,
                edge_slot=edges.slot,
                edge_cost=edges.cost,
                demand=np.array(capacities, dtype=np.int64),
                bonus=np.array([sp.bonus for sp in specs], dtype=np.int64),
                num_volunteers=volunteers,
            )
            s["candidate"][edges.volunteer] = True
            if name == "ours":
                solution = solver.solve(problem, next_k=k_next)
                chosen = list(zip(solution.slot.tolist(), solution.volunteer.tolist(), strict=True))
                nexts = [solution.next_candidates(j).tolist() for j in range(count)]
            elif name == "first_come":
                # Self sign-up: nobody is asked, so nobody declines; a volunteer who would decline an offer this
                # week (the same draw) just does not sign up. Whoever is willing takes their cheapest open slot.
                willing = ~declines_draw[problem.edge_volunteer]
                f_vols, f_slots, _ = first_come(
                    solver.Problem(
                        edge_volunteer=problem.edge_volunteer[willing],
                        edge_slot=problem.edge_slot[willing],
                        edge_cost=problem.edge_cost[willing],
                        demand=problem.demand,
                        bonus=problem.bonus,
                        num_volunteers=volunteers,
                    ),
                    arrival,
                    posting,
                )
                chosen = list(zip(f_slots.tolist(), f_vols.tolist(), strict=True))
                nexts = [[] for _ in range(count)]
            else:
                g_vols, g_slots, _ = greedy(problem, posting)
                chosen = list(zip(g_slots.tolist(), g_vols.tolist(), strict=True))
                nexts = _next_candidates(problem, g_vols, k_next)
            # Answers: a declined seat goes down the slot's next candidates, each asked once this week.
            slot_week = week % window
            for arr in ("hours", "offers", "declines"):
                s[arr][slot_week] = 0
            asked = {v for _j, v in chosen}
            pointer = [0] * count
            s["seats"] += int(sum(capacities))
            s["priority_seats"] += int(problem.demand[problem.bonus > 0].sum())
            for j, v in chosen:
                while True:
                    s["offers"][slot_week, v] += 1
                    if not declines_draw[v] or name == "first_come":
                        break
                    s["declines"][slot_week, v] += 1
                    s["declined"] += 1
                    v = _next_free(nexts[j], pointer, j, asked)
                    if v is None:
                        break
                    asked.add(v)
                if v is None:
                    continue
                s["filled"] += 1
                s["priority_filled"] += int(problem.bonus[j] > 0)
                t0, t1 = int(starts[j].timestamp()), int(ends[j].timestamp())
                s["busy"].append((v, t0, t1))
                if no_show_draw[v]:
                    s["no_shows"][v] += 1
                    continue
                s["served"] += 1
                halves = (t1 - t0) // 1800
                s["hours"][slot_week, v] += halves
                s["year_hours"][v] += halves / 2
    return {
        name: {
            "fill_rate": s["filled"] / s["seats"],
            "priority_rate": s["priority_filled"] / s["priority_seats"] if s["priority_seats"] else 0.0,
            "served_rate": s["served"] / s["seats"],
            "seats": s["seats"],
            "declined": s["declined"],
            "gini_hours": gini(s["year_hours"][s["candidate"]]),
            "gini_hours_all": gini(s["year_hours"]),
        }
        for name, s in state.items()
    }


def _next_candidates(problem, chosen_vols: np.ndarray, k: int) -> list[list[int]]:
    """Greedy's re-offer list: per slot its cheapest eligible volunteers not offered anything this round."""
    taken = np.zeros(problem.num_volunteers, dtype=bool)
    taken[chosen_vols] = True
    free = ~taken[problem.edge_volunteer]
    v, s, c = problem.edge_volunteer[free], problem.edge_slot[free], problem.edge_cost[free]
    order = np.lexsort((v, c, s))
    out: list[list[int]] = [[] for _ in range(problem.demand.size)]
    for e in order:
        if len(out[s[e]]) < k:
            out[s[e]].append(int(v[e]))
    return out


def _next_free(candidates: list[int], pointer: list[int], j: int, asked: set[int]) -> int | None:
    while pointer[j] < len(candidates):
        v = candidates[pointer[j]]
        pointer[j] += 1
        if v not in asked:
            return v
    return None


# --- the table ---------------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = options(argv)
    if args.child:
        figures = child_round(args.url) if args.child == "round" else child_stages(args.url, args.out)
        Path(args.result).write_text(json.dumps(figures))
        return figures
    if args.url.startswith("postgresql"):
        _create_database(args.url)
    app = make_app(args.url)
    built = ensure_data(app, args)
    if built:
        print(f"built the province ({args.volunteers:,} volunteers, {args.slots:,} seats) in {built:.0f} s")
    # Each run starts from the snapshot as built; the breakdowns are rolled back, the last round stays committed.
    breakdowns, rounds_run = [], []
    with tempfile.TemporaryDirectory(prefix="dispatch-round-") as folder:
        graph_path = str(Path(folder) / "graph.npz")
        for _ in range(max(1, args.repeat)):
            reset(app)
            breakdowns.append(_in_child(args, "stages", graph_path))
        saved = dict(np.load(graph_path))
    for _ in range(max(1, args.repeat)):
        reset(app)
        rounds_run.append(_in_child(args, "round"))
    stages = {
        **breakdowns[-1],
        "times": {k: statistics.median(b["times"][k] for b in breakdowns) for k in breakdowns[-1]["times"]},
    }
    whole = {**rounds_run[-1]}
    whole["runs"] = [w["seconds"] for w in rounds_run]
    whole["seconds"] = statistics.median(whole["runs"])
    whole["record_seconds"] = statistics.median(w["record_seconds"] for w in rounds_run)
    whole["commit_seconds"] = statistics.median(w["commit_seconds"] for w in rounds_run)
    whole["rss_kb"] = max(w["rss_kb"] for w in rounds_run)
    assert all(
        (w["offers"], w["cost"], w["edges"]) == (whole["offers"], whole["cost"], whole["edges"]) for w in rounds_run
    )

    from app.dispatch.solver import Problem

    problem = Problem(
        edge_volunteer=saved["volunteer"],
        edge_slot=saved["slot"],
        edge_cost=saved["cost"],
        demand=saved["demand"],
        bonus=saved["bonus"],
        num_volunteers=int(saved["num_volunteers"][0]),
    )
    penalty = int(stages["penalty"])
    add_s, solve_s, bare_total, bare_status = bare(problem)  # Σ shifted cost of the max flow of least cost
    t = time.perf_counter()
    most = maximum_offers(problem)
    maxflow_s = time.perf_counter() - t
    demand = int(problem.demand.sum())
    max_bonus = int(problem.bonus.max()) if problem.bonus.size else 0
    optimum = bare_total - max_bonus * most  # Σ (edge cost − bonus) at the optimum (bare shifts by max bonus − bonus)
    t = time.perf_counter()
    posting = np.argsort(saved["activity_ids"], kind="stable")  # ids in posting order: first come, first served
    g_vols, g_slots, g_costs = greedy(problem, posting)
    greedy_s = time.perf_counter() - t
    t = time.perf_counter()
    arrival = np.random.default_rng(args.seed).permutation(problem.num_volunteers)  # who opens the app first
    f_vols, f_slots, f_costs = first_come(problem, arrival, posting)
    first_come_s = time.perf_counter() - t
    ours_slots, ours_vols, ours_costs = round_offers(app, whole["round_id"], saved)
    ours = figures_of(problem, ours_slots, ours_vols, ours_costs, penalty, saved["offers_90d"])
    theirs = figures_of(problem, g_slots, g_vols, g_costs, penalty, saved["offers_90d"])
    first = figures_of(problem, f_slots, f_vols, f_costs, penalty, saved["offers_90d"])
    again = reoffers(app, whole["round_id"], args.samples, args.seed)
    with app.app_context():
        from flask import current_app

        t = time.perf_counter()
        year = simulate_year(args.year_volunteers, args.year_seats, args.weeks, args.seed, current_app.config)
        year_s = time.perf_counter() - t

    results = {
        "args": vars(args),
        "stages": stages,
        "round": whole,
        "bare": {"add_s": add_s, "solve_s": solve_s, "total": bare_total, "status": bare_status},
        "maximum": most,
        "maxflow_s": maxflow_s,
        "optimum": optimum,
        "ours": ours,
        "greedy": theirs,
        "greedy_s": greedy_s,
        "first_come": first,
        "first_come_s": first_come_s,
        "reoffer": again,
        "year": year,
        "year_s": year_s,
        "penalty": penalty,
        "demand": demand,
    }
    print_table(results)
    return results


def print_table(r: dict[str, Any]) -> None:
    rnd, st, ours, theirs, bare_ = r["round"], r["stages"], r["ours"], r["greedy"], r["bare"]
    rss_gib = rnd["rss_kb"] / 1024**2
    bare_s = bare_["add_s"] + bare_["solve_s"]
    ratio = rnd["seconds"] / bare_s if bare_s else float("inf")
    lower = (
        (theirs["with_penalty"] - ours["with_penalty"]) / abs(theirs["with_penalty"]) if theirs["with_penalty"] else 0
    )
    year_o, year_g = r["year"]["ours"], r["year"]["greedy"]
    re = r["reoffer"]
    rows: list[tuple[str, str, str, str]] = []

    def row(name: str, value: str, target: str = "", ok: bool | None = None) -> None:
        rows.append((name, value, target, "" if ok is None else verdict(ok)))

    ms = f"≤ {TARGETS['reoffer_ms']:.0f}"
    runs = " ".join(f"{x:.1f}" for x in rnd["runs"])
    row("input: open seats (slots) / needs", f"{rnd['slots']:,} / {st['needs']:,}")
    row("input: volunteers loaded (pool) / with an edge", f"{st['pool']:,} / {rnd['volunteers']:,}")
    row("input: eligible edges", f"{rnd['edges']:,}")
    row(
        f"full round: seconds (run_round + commit), median of {len(rnd['runs'])}",
        f"{rnd['seconds']:.2f} ({runs})",
        f"≤ {TARGETS['seconds']:.0f}",
        rnd["seconds"] <= TARGETS["seconds"],
    )
    alone = rnd["rss_before_kb"] / 1024**2
    row(
        "full round: peak RSS GiB (fresh process, VmHWM)",
        f"{rss_gib:.2f} (app alone {alone:.2f})",
        f"≤ {TARGETS['rss_gib']:.0f}",
        rss_gib <= TARGETS["rss_gib"],
    )
    row("full round: offers / needs filled / solver", f"{rnd['offers']:,} / {rnd['filled']:,} / {rnd['status']}")
    row(
        "bare OR-Tools (add arcs + solve), full graph",
        f"{bare_s:.2f} ({bare_['add_s']:.2f} + {bare_['solve_s']:.2f}, {bare_['status']})",
    )
    row("round / bare solve", f"{ratio:.2f}×", f"≤ {TARGETS['ratio']:.0f}×", ratio <= TARGETS["ratio"])
    best = ours["offers"] == r["maximum"]
    row("offers: round / maximum (max-flow)", f"{ours['offers']:,} / {r['maximum']:,}", "= maximum", best)
    row(
        "cost Σ(edge − bonus): round / optimum",
        f"{ours['cost']:,} / {r['optimum']:,}",
        "= optimum",
        best and ours["cost"] == r["optimum"],
    )

    def lower_than(base: dict[str, Any]) -> float:
        return (base["with_penalty"] - ours["with_penalty"]) / abs(base["with_penalty"]) if base["with_penalty"] else 0

    first = r["first_come"]
    row(
        "offers: round / first come / greedy by slot",
        f"{ours['offers']:,} / {first['offers']:,} / {theirs['offers']:,}",
    )
    # Not the judged row: (seats − maximum) × penalty is the same for every assignment and is nearly all of it.
    row(
        "cost with unfilled penalty: round / first come",
        f"{ours['with_penalty']:,} / {first['with_penalty']:,} ({lower_than(first) * 100:.1f} % lower)",
    )
    row(
        "  the same beside greedy by slot (stronger baseline)",
        f"{ours['with_penalty']:,} / {theirs['with_penalty']:,} ({lower * 100:.1f} % lower)",
    )
    seats_beyond = r["demand"] - r["maximum"]
    row("  of which seats no assignment fills (seats − maximum) × penalty", f"{seats_beyond:,} × {r['penalty']:,}")
    edge_lower = (first["edge_cost"] - ours["edge_cost"]) / first["edge_cost"] if first["edge_cost"] else 0.0
    # The judged cost: what the offers made cost (reach, skill fit, fairness, reliability, team), with filled and
    # priority seats judged on their own rows; the penalised total above moves only with seats no one can fill.
    row(
        "edge cost alone Σ edge (no bonus): round / first / greedy",
        f"{ours['edge_cost']:,} / {first['edge_cost']:,} / {theirs['edge_cost']:,} ({edge_lower * 100:.1f} % lower)",
        "≥ 20 % lower than first, offers ≥ first",
        edge_lower >= TARGETS["vs_greedy"] and ours["offers"] >= first["offers"],
    )
    row(
        "cost without penalty: round / first come / greedy by slot",
        f"{ours['cost']:,} / {first['cost']:,} / {theirs['cost']:,}",
    )
    row(
        "priority needs filled: round / first come (of)",
        f"{ours['priority_filled']:,} / {first['priority_filled']:,} ({ours['priority_slots']:,})",
        "round > first",
        ours["priority_filled"] > first["priority_filled"],
    )
    row(
        "  the same beside greedy by slot",
        f"{ours['priority_filled']:,} / {theirs['priority_filled']:,}",
        "round > greedy",
        ours["priority_filled"] > theirs["priority_filled"],
    )
    row(
        "needs filled: round / first come / greedy by slot",
        f"{ours['slots_filled']:,} / {first['slots_filled']:,} / {theirs['slots_filled']:,}",
    )
    row(
        "Gini of offers (90 d + this round): round / first / greedy",
        f"{ours['gini']:.4f} / {first['gini']:.4f} / {theirs['gini']:.4f}",
    )
    row(
        f"re-offer after a decline: median / max ms ({re['samples']} samples)",
        f"{re['median_ms']:.0f} / {re['max_ms']:.0f}",
        ms,
        re["max_ms"] <= TARGETS["reoffer_ms"],
    )
    row(
        "  of which: the first (cold process) / max of the rest ms",
        f"{re['first_ms']:.0f} / {re['warm_max_ms']:.0f}",
        ms,
        re["warm_max_ms"] <= TARGETS["reoffer_ms"],
    )
    row(
        f"re-offer, kept candidates gone (whole reach): median / max ms ({re['fallback_samples']})",
        f"{re['fallback_median_ms']:.0f} / {re['fallback_max_ms']:.0f} (in order: "
        f"{', '.join(str(t) for t in re['fallback_each_ms'])})",
        ms,
        re["fallback_max_ms"] <= TARGETS["reoffer_ms"],
    )
    row("re-offers that made an offer", f"{re['reoffered']} of {re['samples'] + re['fallback_samples']}")

    def pct(x: float) -> str:
        return f"{x * 100:.1f} %"

    year_f = r["year"]["first_come"]
    weeks = f"year ({r['args']['weeks']} weekly rounds, {year_o['seats']:,} seats)"
    row(
        f"{weeks}: fill rate ours / first come / greedy by slot",
        f"{pct(year_o['fill_rate'])} / {pct(year_f['fill_rate'])} / {pct(year_g['fill_rate'])}",
    )
    row(
        "year: served (no no-show) ours / first / greedy",
        f"{pct(year_o['served_rate'])} / {pct(year_f['served_rate'])} / {pct(year_g['served_rate'])}",
    )
    row(
        "year: priority seats filled ours / first / greedy",
        f"{pct(year_o['priority_rate'])} / {pct(year_f['priority_rate'])} / {pct(year_g['priority_rate'])}",
    )
    row(
        "year: Gini of hours (candidates) ours / first / greedy",
        f"{year_o['gini_hours']:.4f} / {year_f['gini_hours']:.4f} / {year_g['gini_hours']:.4f}",
    )
    row(
        "year: Gini of hours (all volunteers) ours / first / greedy",
        f"{year_o['gini_hours_all']:.4f} / {year_f['gini_hours_all']:.4f} / {year_g['gini_hours_all']:.4f}",
    )
    width = max(len(row[0]) for row in rows)
    value_w = max(len(row[1]) for row in rows)
    print(f"\n{'measure':<{width}}  {'measured':>{value_w}}  {'target':>14}  verdict")
    for name, value, target, ok in rows:
        print(f"{name:<{width}}  {value:>{value_w}}  {target:>14}  {ok}")
    print(
        "\nwhere the round's time goes (the same functions run_round calls, in its order, on the same snapshot; "
        f"median of {len(rnd['runs'])} runs per step):"
    )
    total = sum(st["times"].values())
    for name, seconds in st["times"].items():
        print(f"  {name:<32} {seconds:>7.2f} s  {seconds / total * 100 if total else 0:>5.1f} %")
    print(
        f"  {'(sum of steps)':<32} {total:>7.2f} s;  run_round alone {rnd['record_seconds']:.2f} s, "
        f"commit {rnd['commit_seconds']:.2f} s"
    )
    print(
        f"\nunfilled penalty per seat {r['penalty']:,}; seats {r['demand']:,}; solver kept {st['edges_used']:,} edges; "
        f"max-flow {r['maxflow_s']:.2f} s, greedy {r['greedy_s']:.2f} s, first come {r['first_come_s']:.2f} s, "
        f"year simulated in {r['year_s']:.0f} s"
    )


if __name__ == "__main__":
    main()
