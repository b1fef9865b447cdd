"""How long a whole province's township and village import takes; run by hand, not by pytest.

    python bench/regions_import.py
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench python bench/regions_import.py

Writes a province-sized CSV (1,500 townships, ~19 villages each, under Shanxi's real counties) into
a temporary folder, then imports it as `flask regions import` does (first import, re-import, and a
re-import with a tenth of the villages renamed) into a fresh SQLite file and, when
BENCH_DATABASE_URL is set, into that PostgreSQL database. That database is wiped first
(schema dropped and rebuilt by the migrations): never point it at data you want to keep.
"""

import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from app.extensions import db
from app.regions import operations
from app.regions.models import Region

PROVINCE = "140000"
TOWNSHIPS = 1500
VILLAGES_PER_TOWNSHIP = (12, 26)  # uniform, so ~19 on average
STEMS = "东西南北上下前后大小新老高柳杨李王张赵刘马石河沟坪峪庄堡寨"


def write_csv(folder: Path, counties: list[str]) -> tuple[Path, int]:
    rng = random.Random(2260)
    lines = ["code,name,poor_village"]
    for n in range(TOWNSHIPS):
        county = counties[n % len(counties)]
        township = f"{county}{100 + n // len(counties):03d}"
        lines.append(f"{township},{_name(rng)}镇,")
        for v in range(1, rng.randint(*VILLAGES_PER_TOWNSHIP) + 1):
            poor = "是" if rng.random() < 0.15 else "否"
            lines.append(f"{township}{200 + v:03d},{_name(rng)}村,{poor}")
    path = folder / "province.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    # The same file with every tenth village renamed: the update path.
    renamed = [line.replace("村,", "新村,") if n % 10 == 0 else line for n, line in enumerate(lines)]
    (folder / "renamed.csv").write_text("\n".join(renamed) + "\n", encoding="utf-8-sig")
    return path, len(lines) - 1


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(STEMS) for _ in range(2))


def fresh_app(url: str):
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        operations.load_official(PROVINCE)
        db.session.commit()
    return app


def timed_import(app, path: Path) -> tuple[operations.ImportReport, float]:
    """What the CLI command does, without the progress bar: decode, parse, import, commit."""
    with app.app_context():
        started = time.perf_counter()
        rows, errors = operations.read_csv(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline=""))
        report = operations.import_rows(rows, errors)
        if report.errors:
            raise SystemExit(f"import refused: {report.errors[:5]}")
        db.session.commit()
        return report, time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="regions-bench-") as folder:
        targets = [("SQLite", f"sqlite:///{Path(folder) / 'bench.db'}")]
        if os.environ.get("BENCH_DATABASE_URL"):
            targets.append(("PostgreSQL", os.environ["BENCH_DATABASE_URL"]))
        results = []
        path = rows = None
        for label, url in targets:
            app = fresh_app(url)
            if path is None:
                with app.app_context():
                    counties = list(db.session.scalars(select(Region.code).where(Region.level == "county")))
                path, rows = write_csv(Path(folder), sorted(counties))
            for run, csv_path in (
                ("first", path),
                ("re-run", path),
                ("rename", path.with_name("renamed.csv")),
            ):
                report, seconds = timed_import(app, csv_path)
                results.append((label, run, rows, report, seconds))
            with app.app_context():
                db.engine.dispose()
        print_table(results)


def print_table(results) -> None:
    header = ("database", "run", "rows", "inserted", "updated", "unchanged", "seconds", "rows/s")
    print("{:<11} {:<6} {:>7} {:>9} {:>8} {:>10} {:>8} {:>9}".format(*header))
    for label, run, rows, report, seconds in results:
        print(
            f"{label:<11} {run:<6} {rows:>7} {report.inserted:>9} {report.updated:>8} "
            f"{report.unchanged:>10} {seconds:>8.2f} {rows / seconds:>9.0f}"
        )


if __name__ == "__main__":
    main()
