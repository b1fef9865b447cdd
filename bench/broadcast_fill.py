"""A broadcast to 10⁶ volunteers on PostgreSQL: resolving the audience into the outbox beside a raw
COPY of the same rows, in the same run. Run by hand:

    .venv/bin/python bench/broadcast_fill.py [--volunteers 1000000] [--rounds 3] [--allowed 0.5]

It creates (and drops first) the database `bench_broadcast` on 127.0.0.1:5432, builds the schema
with the real migrations, and generates with SQL (generate_series) the volunteers of one county
(140105, spread over 400 villages, each in one or two area teams, a share with the broadcast
template switched on) and a secretary per village. Then, per round, on empty tables:

  (a) resolve    a broadcast to the whole county with the app's own job (operations.resolve_due: one
                 INSERT … SELECT … ON CONFLICT (key) DO NOTHING into `messages`, with its real
                 indexes and foreign keys), committed;
  (b) copy       the same rows (exported from (a)) by COPY into `messages_copy`, made with
                 CREATE TABLE … (LIKE messages INCLUDING ALL): same columns, defaults, checks and
                 indexes, no foreign keys;
  (c) copy + FK  the same COPY into `messages_copy_fk`, which also has messages' two foreign keys.

Prints rows, seconds and rows/s (median round), and the ratio to (b). Target (issue 4): (a) within
1.5× of (b). Also prints what staff wait for around it: the audience COUNT when a broadcast is
scheduled, the GROUP BY behind GET /broadcasts/{id}, and the UPDATE behind cancelling.
`--explain` prints the plan of the resolving statement (EXPLAIN ANALYZE, rolled back);
`--with-fk user_id` / `--with-fk broadcast_id` put back a foreign key that `messages` no longer has
(the migration dropped both: with them the fill took 2× COPY); `--reuse` keeps the volunteers an
earlier run generated.
"""

import argparse
import secrets
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet
from flask_migrate import upgrade
from sqlalchemy import event, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from app.broadcasts import operations
from app.broadcasts.models import Broadcast
from app.broadcasts.schemas import BroadcastIn
from app.core import clock
from app.core.access import Principal
from app.extensions import db
from app.regions import operations as regions
from app.volunteers.availability import EMPTY_MASK
from config.catalog import AREAS
from config.templates import templates

PG = "postgresql://postgres@127.0.0.1:5432"
DB = "bench_broadcast"
COUNTY = "140105"
TOWNSHIPS, VILLAGES_PER_TOWNSHIP = 20, 20
COLUMNS = (
    "user_id, purpose, key, title, body, link, fields, created_at, delivery, attempts, next_attempt_at, broadcast_id"
)
BODY = (
    "寒假将至，小店区团委组织青年志愿者开展“七彩假期”支教与关爱留守儿童活动。"
    "请各服务队志愿者在小程序中查看本村需求并报名，按时签到签退，注意出行安全。"
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--volunteers", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--allowed", type=float, default=0.5, help="share with the broadcast template on")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument(
        "--with-fk",
        action="append",
        choices=["user_id", "broadcast_id"],
        default=[],
        help="compare with the old schema: messages with this foreign key (repeatable)",
    )
    parser.add_argument("--reuse", action="store_true", help="keep the database a previous run generated")
    args = parser.parse_args()

    app = make_app()
    if not args.reuse:
        fresh_database()
        with app.app_context():
            build_schema()
    with psycopg.connect(f"{PG}/{DB}") as conn:
        if args.reuse:
            staff_id = conn.execute("SELECT max(id) FROM users").fetchone()[0]
            conn.execute("DROP TABLE IF EXISTS messages_copy, messages_copy_fk")
        else:
            started = time.perf_counter()
            staff_id = generate(conn, args.volunteers, args.allowed)
            print(f"generated {args.volunteers:,} volunteers in {time.perf_counter() - started:.1f} s")
        make_copy_tables(conn)
        message_fks(conn, kept=set(args.with_fk))
        vacuum()
        results = {"resolve": [], "copy": [], "copy_fk": []}
        extras = {"count": [], "group_by": [], "group_by_vacuumed": [], "cancel": []}
        for round_ in range(1, args.rounds + 1):
            rows, timings, extra = one_round(app, conn, staff_id, explain=args.explain and round_ == 1)
            for name, seconds in timings.items():
                results[name].append(seconds)
            for name, seconds in extra.items():
                extras[name].append(seconds)
            print(f"round {round_}: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in timings.items()))
    report(rows, results, extras)


def make_app():
    return create_app(
        "development",
        SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB}",
        SECRET_KEY=secrets.token_urlsafe(32),
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        REDIS_URL=None,
    )


def fresh_database() -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")


def build_schema() -> None:
    upgrade()
    regions.load_official("140000")
    db.session.commit()


def generate(conn: psycopg.Connection, volunteers: int, allowed: float) -> int:
    """Townships, villages, users, volunteers, teams, allowances and secretaries, all in SQL."""
    villages = TOWNSHIPS * VILLAGES_PER_TOWNSHIP
    areas = list(AREAS)
    township = f"lpad((1 + g % {TOWNSHIPS})::text, 3, '0')"
    village = f"'{COUNTY}' || {township} || lpad((1 + g / {TOWNSHIPS} % {VILLAGES_PER_TOWNSHIP})::text, 3, '0')"
    n, staff_id = volunteers, volunteers + villages + 1
    statements = [
        f"""INSERT INTO regions (code, name, level, parent_code, deep_poverty, poor_village)
            SELECT '{COUNTY}' || lpad(t::text, 3, '0'), '街道' || t, 'township', '{COUNTY}', false, false
            FROM generate_series(1, {TOWNSHIPS}) t""",
        f"""INSERT INTO regions (code, name, level, parent_code, deep_poverty, poor_village)
            SELECT '{COUNTY}' || lpad(t::text, 3, '0') || lpad(v::text, 3, '0'), '村' || t || '-' || v, 'village',
                   '{COUNTY}' || lpad(t::text, 3, '0'), false, v % 4 = 0
            FROM generate_series(1, {TOWNSHIPS}) t, generate_series(1, {VILLAGES_PER_TOWNSHIP}) v""",
        f"""INSERT INTO users (id, openid, is_admin, created_at)
            SELECT g, 'bench-openid-' || g, false, now() FROM generate_series(1, {n + villages}) g""",
        f"INSERT INTO users (id, is_admin, created_at) VALUES ({staff_id}, false, now())",
        "SELECT setval('users_id_seq', (SELECT max(id) FROM users))",
        f"""INSERT INTO volunteers (id, user_id, volunteer_no, name, home_region_code, skills, availability,
                                    availability_mask, skill_keys, consent_version, consented_at, created_at,
                                    updated_at)
            SELECT g, g, 'V' || lpad(g::text, 10, '0'), '志愿者' || g, {village}, '[]', '[]',
                   decode(repeat('00', {len(EMPTY_MASK)}), 'hex'), '[]', '2026-11', now(), now(), now()
            FROM generate_series(1, {n}) g""",
        "SELECT setval('volunteers_id_seq', (SELECT max(id) FROM volunteers))",
        f"""INSERT INTO team_memberships (volunteer_id, area, joined_at)
            SELECT g, (ARRAY{areas})[1 + g % 9], now() FROM generate_series(1, {n}) g
            UNION ALL
            SELECT g, (ARRAY{areas})[1 + (g + 4) % 9], now() FROM generate_series(1, {n}) g WHERE g % 3 = 0""",
        f"""INSERT INTO allowances (user_id, template_id, kind, remaining, active, last_accepted_at, updated_at)
            SELECT g, '{templates()["broadcast"]["template_id"]}', 'long_term', 0, true, now(), now()
            FROM generate_series(1, {n + villages}) g WHERE g % 1000 < {round(allowed * 1000)}""",
        f"""INSERT INTO secretaries (user_id, village_code, appointed_at)
            SELECT {n} + g, {village}, now() FROM generate_series(1, {villages}) g""",
    ]
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    return staff_id


def make_copy_tables(conn: psycopg.Connection) -> None:
    conn.execute("CREATE TABLE messages_copy (LIKE messages INCLUDING ALL)")
    conn.execute("CREATE TABLE messages_copy_fk (LIKE messages INCLUDING ALL)")
    conn.execute("ALTER TABLE messages_copy_fk ADD FOREIGN KEY (user_id) REFERENCES users (id)")
    conn.execute("ALTER TABLE messages_copy_fk ADD FOREIGN KEY (broadcast_id) REFERENCES broadcasts (id)")
    conn.commit()
    indexes = conn.execute(
        "SELECT tablename, count(*) FROM pg_indexes WHERE tablename LIKE 'messages%' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    print("indexes per table: " + ", ".join(f"{table} {count}" for table, count in indexes))


def message_fks(conn: psycopg.Connection, *, kept: set[str]) -> None:
    """messages as migrated (no foreign keys), plus those --with-fk names."""
    for name, column, target in (
        ("fk_messages_user_id_users", "user_id", "users"),
        ("fk_messages_broadcast_id_broadcasts", "broadcast_id", "broadcasts"),
    ):
        conn.execute(f"ALTER TABLE messages DROP CONSTRAINT IF EXISTS {name}")
        if column in kept:
            conn.execute(f"ALTER TABLE messages ADD CONSTRAINT {name} FOREIGN KEY ({column}) REFERENCES {target} (id)")
    conn.commit()
    print(f"messages: foreign keys on {', '.join(sorted(kept)) or 'nothing (as migrated)'}")


def vacuum(table: str = "") -> None:
    with psycopg.connect(f"{PG}/{DB}", autocommit=True) as conn:
        conn.execute(f"VACUUM ANALYZE {table}")
        conn.execute("CHECKPOINT")


def checkpoint(conn: psycopg.Connection) -> None:
    conn.commit()
    with psycopg.connect(f"{PG}/{DB}", autocommit=True) as other:
        other.execute("CHECKPOINT")


def one_round(app, conn: psycopg.Connection, staff_id: int, *, explain: bool):
    conn.execute("TRUNCATE messages, messages_copy, messages_copy_fk")
    checkpoint(conn)
    timings, extra = {}, {}
    principal = Principal(user_id=staff_id, roles=frozenset({"staff"}), staff_region=COUNTY)
    send_at = clock.now() + timedelta(minutes=1)
    request = BroadcastIn.model_validate(
        {"title": "寒假支教动员", "body": BODY, "audience": {"region": COUNTY}, "send_at": send_at.isoformat()}
    )
    with app.app_context():
        started = time.perf_counter()
        broadcast = operations.create(principal, request)  # scheduled: counts its audience
        db.session.commit()
        extra["count"] = time.perf_counter() - started
        broadcast_id, audience = broadcast.id, broadcast.recipients
        if explain:
            print_plan(broadcast, send_at)
    checkpoint(conn)
    with app.app_context():
        started = time.perf_counter()
        resolved = operations.resolve_due(now=send_at)
        db.session.commit()
        timings["resolve"] = time.perf_counter() - started
        assert resolved == 1
    rows = conn.execute("SELECT count(*) FROM messages WHERE broadcast_id = %s", [broadcast_id]).fetchone()[0]
    assert rows == audience, (rows, audience)
    data = export(conn, broadcast_id)
    for table, name in (("messages_copy", "copy"), ("messages_copy_fk", "copy_fk")):
        checkpoint(conn)
        started = time.perf_counter()
        with conn.cursor().copy(f"COPY {table} ({COLUMNS}) FROM STDIN") as copy:
            for chunk in data:
                copy.write(chunk)
        conn.commit()
        timings[name] = time.perf_counter() - started
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == rows
    with app.app_context():
        broadcast = db.session.get(Broadcast, broadcast_id)
        started = time.perf_counter()
        operations.counts(broadcast)
        extra["group_by"] = time.perf_counter() - started
        db.session.commit()
        vacuum("messages")
        started = time.perf_counter()
        operations.counts(broadcast)
        extra["group_by_vacuumed"] = time.perf_counter() - started
        started = time.perf_counter()
        operations.cancel(broadcast)
        db.session.commit()
        extra["cancel"] = time.perf_counter() - started
    return rows, timings, extra


def export(conn: psycopg.Connection, broadcast_id: int) -> list[bytes]:
    """The rows (a) wrote, as COPY text, held in memory so (b) and (c) time only the COPY."""
    chunks = []
    query = f"COPY (SELECT {COLUMNS} FROM messages WHERE broadcast_id = {int(broadcast_id)}) TO STDOUT"
    with conn.cursor().copy(query) as copy:
        chunks.extend(bytes(chunk) for chunk in copy)
    conn.commit()
    return chunks


def print_plan(broadcast, now) -> None:
    """EXPLAIN ANALYZE of the resolving statement exactly as the app sends it, rolled back."""
    plan = []

    def explain(_conn, _cursor, statement, parameters, _context, _executemany):
        return "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters

    def read(_conn, cursor, *_args):
        plan.extend(row[0] for row in cursor.fetchall())

    with db.engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(text(f"SET LOCAL work_mem = '{operations.FILL_WORK_MEM}'"))  # as fill() does
        event.listen(connection, "before_cursor_execute", explain, retval=True)
        event.listen(connection, "after_cursor_execute", read)
        connection.execute(operations._fill_statement(broadcast, now))
        transaction.rollback()
    print("\n".join(plan))


def report(rows: int, results: dict[str, list[float]], extras: dict[str, list[float]]) -> None:
    copy = statistics.median(results["copy"])
    labels = {
        "resolve": "resolve (INSERT … SELECT)",
        "copy": "COPY, same indexes",
        "copy_fk": "COPY, same indexes + FKs",
    }
    print()
    print(f"{'':28} {'rows':>10} {'seconds':>9} {'rows/s':>11} {'× COPY':>7}")
    for name, label in labels.items():
        seconds = statistics.median(results[name])
        print(f"{label:28} {rows:>10,} {seconds:>9.2f} {rows / seconds:>11,.0f} {seconds / copy:>7.2f}")
    ratio = statistics.median(results["resolve"]) / copy
    print(f"\nresolve / COPY = {ratio:.2f} (target ≤ 1.5: {'met' if ratio <= 1.5 else 'MISSED'})")
    print(
        f"around it: audience COUNT {statistics.median(extras['count']):.2f} s, "
        f"counts GROUP BY {statistics.median(extras['group_by']):.2f} s "
        f"({statistics.median(extras['group_by_vacuumed']):.2f} s once vacuumed), "
        f"cancel UPDATE {statistics.median(extras['cancel']):.2f} s"
    )


if __name__ == "__main__":
    main()
