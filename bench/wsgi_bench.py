"""The app as production runs it, plus one bare Flask JSON endpoint to measure against.

With BENCH_REFERENCES=1 it also serves two hand-written sign-ups on raw psycopg connections (no
ORM, no request transaction, fixed notice texts, no error handling worth the name): the floor this
server reaches for the same database work, measured beside the real endpoint.
- /bench/ref/four/<id>: BEGIN, read the caller, call sign_up_for_activity, COMMIT (four statements);
- /bench/ref/one/<id>: one autocommit statement, bench_sign_up(), which resolves the caller from
  the token inside the database (created by signup_throughput.py in the bench database only).
"""

import hashlib
import json
import os
import threading

import psycopg
from flask import request

from app import create_app
from app.core import clock

app = create_app()


@app.get("/bench/bare", doc_ui=False)
def bare():
    return {"ok": True}


if os.environ.get("BENCH_REFERENCES"):
    DSN = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    CALLER = (
        "SELECT t.user_id, v.id FROM auth_tokens t JOIN users u ON u.id = t.user_id "
        "JOIN volunteers v ON v.user_id = t.user_id AND v.withdrawn_at IS NULL "
        "WHERE t.token_hash = %s AND t.revoked_at IS NULL AND t.expires_at > %s AND u.withdrawn_at IS NULL"
    )
    SIGN_UP = (
        "SELECT * FROM sign_up_for_activity(%s, %s, %s, %s, %s, 120, true, 'self', %s, %s, %s, %s::json, "
        "%s, %s, %s, %s)"
    )
    ONE = "SELECT * FROM bench_sign_up(%s, %s, %s, %s, %s, %s, %s::json, %s, %s, %s, %s)"
    NOTICES = ("报名成功", "你已报名，请准时参加。", "已进入候补", "你在候补第 {position} 位。")
    local = threading.local()
    seen: dict[int, object] = {}

    def connection(autocommit: bool) -> psycopg.Connection:
        name = f"conn_{autocommit}"
        if not hasattr(local, name):
            setattr(local, name, psycopg.connect(DSN, autocommit=autocommit))
        return getattr(local, name)

    def target(conn: psycopg.Connection, activity: int):
        if activity not in seen:
            seen[activity] = conn.execute("SELECT updated_at FROM activities WHERE id = %s", (activity,)).fetchone()[0]
            conn.commit()
        return seen[activity]

    def digest() -> str:
        return hashlib.sha256(request.headers["Authorization"][7:].encode()).hexdigest()

    def answer(row):
        status = 201 if row[0] in ("confirmed", "waitlisted") else 409
        return {"id": row[1], "status": row[0], "position": row[2]}, status

    @app.post("/bench/ref/four/<int:activity>", doc_ui=False)
    def reference_four():
        activity, now = request.view_args["activity"], clock.now()
        conn = connection(autocommit=False)
        updated_at = target(conn, activity)
        user, volunteer = conn.execute(CALLER, (digest(), now)).fetchone()
        fields = json.dumps({"title": "压测"})
        row = conn.execute(
            SIGN_UP,
            (
                activity,
                volunteer,
                user,
                user,
                now,
                updated_at,
                f"session:{activity}:",
                f"session:{activity}",
                fields,
                *NOTICES,
            ),
        ).fetchone()
        conn.commit()
        return answer(row)

    @app.post("/bench/ref/one/<int:activity>", doc_ui=False)
    def reference_one():
        activity, now = request.view_args["activity"], clock.now()
        conn = connection(autocommit=True)
        updated_at = target(conn, activity)
        fields = json.dumps({"title": "压测"})
        row = conn.execute(
            ONE, (digest(), activity, now, updated_at, f"session:{activity}:", f"session:{activity}", fields, *NOTICES)
        ).fetchone()
        return answer(row)
