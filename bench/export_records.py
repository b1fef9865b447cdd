"""How long a province-year's records export takes (app/exports/records.py) and how much memory it needs,
beside a floor (a raw COPY of the same rows to a file); by hand.

    createdb -h 127.0.0.1 -U postgres -T bench_stats bench_export     # the province bench/stats_query.py built
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_export flask --app wsgi db upgrade
    python bench/export_records.py --keep                              # 10⁶ volunteers, 5·10⁶ records
    python bench/export_records.py --url sqlite:////tmp/x.db --volunteers 200 --records 1500   # toy size, builds

Without --keep it builds the province first with bench/stats_query.py's builder (see there). Then, for the
whole province over 2026 up to 1 December: the export (the workbook written to a temporary file, as the
route does) — seconds, rows, file size and the peak memory of the process above what it held before
(tracemalloc for Python's allocations, and the resident set's growth); and the floor: COPY of the same
rows (the same joins and filter, no names, no workbook) to a file on PostgreSQL, or a plain SELECT
written as CSV elsewhere.
"""

import argparse
import csv
import os
import resource
import sys
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from app.exports import records
from app.extensions import db
from app.regions.models import Region
from bench import stats_query

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_export"


def _options(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--volunteers", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=5_000_000)
    parser.add_argument("--townships", type=int, default=1500)
    parser.add_argument("--region", default=stats_query.PROVINCE)
    parser.add_argument("--keep", action="store_true", help="export the database built by an earlier run")
    parser.add_argument("--trace", action="store_true", help="also trace Python's allocations (tracemalloc; slower)")
    return parser.parse_args(argv)


def _rss_mb() -> float:
    """The resident set's high-water mark so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: Sequence[str] | None = None) -> dict:
    options = _options(argv)
    if options.url.startswith("postgresql"):
        stats_query._create_database(options.url)
    app = create_app("test", SQLALCHEMY_DATABASE_URI=options.url)
    with app.app_context():
        if not options.keep:
            import random

            rng = random.Random(2026)
            villages, counties = stats_query._regions(rng, options.townships)
            stats_query._people_and_service(rng, villages, counties, options.volunteers, options.records)
        scope = records.Scope(db.session.get_one(Region, options.region), stats_query.PERIOD)
        expected = records.summary(scope)
        db.session.rollback()
        floor_s, floor_rows, floor_bytes = _floor(scope)
        result = _ours(scope, trace=options.trace)
        db.session.rollback()  # the export's audit row is not kept
        db.session.remove()
        db.engine.dispose()
    result.update(floor_s=floor_s, floor_rows=floor_rows, floor_bytes=floor_bytes, expected=expected)
    assert result["rows"] == expected[0] == floor_rows, (result, expected)
    assert result["minutes"] == expected[1], (result, expected)
    print_table(result)
    return result


def _ours(scope: records.Scope, *, trace: bool) -> dict:
    rss_before = _rss_mb()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    exported = records.export_records(scope, by="bench")
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    tracemalloc.stop()
    size = os.path.getsize(exported.path)
    os.unlink(exported.path)
    return {
        "seconds": seconds,
        "rows": exported.records,
        "minutes": exported.minutes,
        "bytes": size,
        "python_peak_mb": peak / 2**20,
        "rss_growth_mb": _rss_mb() - rss_before,
        "rss_peak_mb": _rss_mb(),
    }


def _floor(scope: records.Scope) -> tuple[float, int, int]:
    """The same rows, straight to a file: COPY on PostgreSQL (the server writes it to the client's stream)."""
    query = records.in_scope(scope, *records.RECORD_COLUMNS).order_by(
        records.ServiceRecord.checked_in_at, records.ServiceRecord.id
    )
    path = "/tmp/bench-export-floor.csv"
    started = time.perf_counter()
    rows = 0
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        compiled = query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
        raw = connection.connection.dbapi_connection
        assert raw is not None
        statement = f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv)"
        with raw.cursor() as cursor, open(path, "wb") as out, cursor.copy(statement) as copy:
            for chunk in copy:
                out.write(chunk)
                rows += bytes(chunk).count(b"\n")
    else:
        with open(path, "w", newline="") as out:
            writer = csv.writer(out)
            for row in records.stream(query):
                writer.writerow(row)
                rows += 1
    seconds = time.perf_counter() - started
    size = os.path.getsize(path)
    os.unlink(path)
    return seconds, rows, size


def print_table(result: dict) -> None:
    print(f"{'what':<22} {'seconds':>9} {'rows':>11} {'MB out':>9} {'py peak MB':>11} {'RSS +MB':>9} {'RSS MB':>8}")
    print(
        f"{'export (xlsx)':<22} {result['seconds']:>9.1f} {result['rows']:>11,} {result['bytes'] / 2**20:>9.1f} "
        f"{result['python_peak_mb']:>11.1f} {result['rss_growth_mb']:>9.1f} {result['rss_peak_mb']:>8.1f}"
    )
    print(
        f"{'floor (COPY to file)':<22} {result['floor_s']:>9.1f} {result['floor_rows']:>11,} "
        f"{result['floor_bytes'] / 2**20:>9.1f} {'':>11} {'':>9} {'':>8}"
    )
    print(f"ratio export / floor: {result['seconds'] / result['floor_s']:.1f}; hours {result['minutes'] / 60:,.1f}")


if __name__ == "__main__":
    main()
