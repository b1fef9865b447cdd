"""备份演练（手动运行）：建库 data_drill、pg_dump -Fc、pg_restore 到 data_drill_restored，逐表核对行数与记录校验和。

    .venv/bin/python bench/backup_drill.py [--volunteers 40]       # 演示数据（flask seed-demo）
    .venv/bin/python bench/backup_drill.py --records 100000        # 10⁵ 条服务记录（批量构造，COPY）

--records 时不写演示数据，而用 bench/stats_query.py 的构造：区划（--townships 个乡镇）、志愿者（记录数的五分之一）、
活动、报名、服务记录和 service_years 汇总。

有不一致时以非零状态退出。
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/"
SOURCE, RESTORED = "data_drill", "data_drill_restored"
CHECKSUM = (
    "SELECT md5(coalesce(string_agg(concat_ws('|', id, signup_id, volunteer_id, activity_id, status, "
    "checked_in_at, checked_out_at, computed_minutes, confirmed_minutes), ',' ORDER BY id), '')) FROM service_records"
)


def psql(database: str, sql: str) -> str:
    command = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-At", "-c", sql]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def recreate(name: str) -> None:
    psql("postgres", f'DROP DATABASE IF EXISTS "{name}"')
    psql("postgres", f'CREATE DATABASE "{name}"')


def counts(database: str) -> dict[str, int]:
    tables = psql(database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").split()
    return {table: int(psql(database, f'SELECT count(*) FROM "{table}"')) for table in tables}


def build_bulk(records: int, townships: int) -> float:
    """The province of bench/stats_query.py at `records` service records, loaded by COPY; seconds taken."""
    sys.path.insert(0, str(ROOT))
    from app import create_app
    from app.extensions import db
    from bench import stats_query

    started = time.perf_counter()
    app = create_app("test", SQLALCHEMY_DATABASE_URI=BASE + SOURCE)
    with app.app_context():
        rng = random.Random(2026)
        villages, counties = stats_query._regions(rng, townships)
        stats_query._people_and_service(rng, villages, counties, max(records // 5, 10), records)
        db.session.remove()
        db.engine.dispose()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", default="40")
    parser.add_argument("--records", type=int, help="批量构造这么多条服务记录（不写演示数据）")
    parser.add_argument("--townships", type=int, default=150)
    options = parser.parse_args()
    recreate(SOURCE)
    recreate(RESTORED)
    if options.records:
        built = build_bulk(options.records, options.townships)
        print(f"{'构造耗时':<12}{built:.1f} s")
    else:
        env = {**os.environ, "FLASK_APP": "wsgi", "DATABASE_URL": BASE + SOURCE}
        flask = str(ROOT / ".venv" / "bin" / "flask")
        subprocess.run([flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        subprocess.run([flask, "seed-demo", "--volunteers", options.volunteers], cwd=ROOT, env=env, check=True)
    with tempfile.TemporaryDirectory() as folder:
        dump = Path(folder) / "drill.dump"
        started = time.perf_counter()
        subprocess.run(["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "-Fc", "-f", str(dump), SOURCE], check=True)
        dumped = time.perf_counter() - started
        started = time.perf_counter()
        restore = ["pg_restore", "-h", "127.0.0.1", "-U", "postgres", "--no-owner", "-d", RESTORED, str(dump)]
        subprocess.run(restore, check=True)
        restored = time.perf_counter() - started
        size = dump.stat().st_size
    before, after = counts(SOURCE), counts(RESTORED)
    mismatches = [t for t in sorted(set(before) | set(after)) if before.get(t) != after.get(t)]
    if psql(SOURCE, CHECKSUM) != psql(RESTORED, CHECKSUM):
        mismatches.append("service_records（校验和）")
    print(f"{'备份大小':<12}{size / 1024:,.0f} KiB")
    print(f"{'备份耗时':<12}{dumped:.2f} s")
    print(f"{'恢复耗时':<12}{restored:.2f} s")
    print(f"{'核对表数':<12}{len(before)}")
    print(f"{'记录行数':<12}{before.get('service_records', 0):,}")
    print(f"{'总行数':<12}{sum(before.values()):,}")
    print(f"{'不一致':<12}{len(mismatches)} {' '.join(mismatches)}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
