"""The read path's floor: the same rows as the app's read endpoints, each from one raw SELECT on a pooled
psycopg connection and json.dumps, in a plain Flask app (no ORM, no schema layer, none of the app's
hooks). bench/read_path.py serves it with the same gunicorn settings as the app:

    gunicorn -c config/gunicorn.py bench.read_floor:app   (DATABASE_URL names the bench database)

- /floor/sessions?region=, /floor/needs?region=: the open sessions (needs) in the region, as the app
  lists them (first 50 by start), with the village's and the program's names;
- /floor/inbox, /floor/profile: the caller's 20 newest messages with the unread count, and the
  caller's volunteer row (phone and ID number as stored, not decrypted); the bearer token is resolved
  inside the same SELECT;
- /floor/bare: a constant, to show what this plain app costs with no database at all.
"""

import hashlib
import json
import os
from datetime import datetime

import psycopg
from flask import Flask, Response, request
from sqlalchemy.pool import QueuePool

DSN = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
pool = QueuePool(lambda: psycopg.connect(DSN, autocommit=True), pool_size=8, max_overflow=8)
app = Flask(__name__)

ACTIVITY = (
    "SELECT a.id, a.title, a.description, a.village_code AS village, r.name AS village_name, a.starts_at, a.ends_at, "
    "a.capacity, a.taken, a.status, a.series_id, a.program_id, p.name AS program_name, a.villagers, "
    "a.poor_households, {extra} FROM activities a JOIN regions r ON r.code = a.village_code "
    "LEFT JOIN programs p ON p.id = a.program_id WHERE a.type = %s AND a.status IN ('open', 'filled') "
    "AND a.village_code LIKE %s ORDER BY a.starts_at, a.id LIMIT 50"
)
SESSIONS = ACTIVITY.format(extra="a.kind, a.topic")
NEEDS = ACTIVITY.format(extra="a.area, a.skills, a.capacity AS slots, a.review_reason, a.relay")
CALLER = (
    "SELECT t.user_id FROM auth_tokens t WHERE t.token_hash = %(digest)s AND t.revoked_at IS NULL "
    "AND t.expires_at > now()"
)
INBOX = (
    f"WITH caller AS ({CALLER}), unread AS (SELECT count(*) AS n FROM messages u JOIN caller c USING (user_id) "
    "WHERE u.read_at IS NULL AND u.delivery <> 'cancelled') SELECT m.id, m.purpose, m.title, m.body, m.link, "
    "m.created_at, m.read_at IS NOT NULL AS read, unread.n AS unread FROM caller c "
    "JOIN messages m ON m.user_id = c.user_id CROSS JOIN unread WHERE m.delivery <> 'cancelled' "
    "ORDER BY m.id DESC LIMIT 20"
)
PROFILE = (
    f"WITH caller AS ({CALLER}) SELECT v.id, v.volunteer_no, v.national_no, v.name, v.phone, v.id_number, "
    "v.gender, v.birth_year, v.home_region_code AS home_region, ARRAY(SELECT area FROM team_memberships "
    "WHERE volunteer_id = v.id ORDER BY area) AS areas, v.skills, v.availability, v.consent_version, "
    "v.consented_at, v.sensitive_consent_at IS NOT NULL AS sensitive, v.offers_paused, v.monthly_hours_cap, "
    "v.digest_opt_in, v.listed, v.created_at, v.updated_at FROM volunteers v "
    "WHERE v.user_id = (SELECT user_id FROM caller) AND v.withdrawn_at IS NULL"
)


def _default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _rows(sql: str, params: object) -> list[dict]:
    conn = pool.connect()
    try:
        cursor = conn.cursor()
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        conn.close()  # back to the pool


def _json(document: object, status: int = 200) -> Response:
    return Response(json.dumps(document, default=_default, ensure_ascii=False), status, mimetype="application/json")


def _digest() -> str:
    return hashlib.sha256(request.headers.get("Authorization", "")[7:].encode()).hexdigest()


@app.get("/floor/bare")
def bare():
    return _json({"ok": True})


@app.get("/floor/sessions")
def sessions():
    return _json({"items": _rows(SESSIONS, ("session", request.args["region"] + "%"))})


@app.get("/floor/needs")
def needs():
    return _json({"items": _rows(NEEDS, ("need", request.args["region"] + "%"))})


@app.get("/floor/inbox")
def inbox():
    rows = _rows(INBOX, {"digest": _digest()})
    unread = rows[0].pop("unread") if rows else 0
    for row in rows[1:]:
        del row["unread"]
    return _json({"items": rows, "unread": unread})


@app.get("/floor/profile")
def profile():
    rows = _rows(PROFILE, {"digest": _digest()})
    return _json(rows[0]) if rows else _json({"error": {"code": "unauthenticated"}}, 401)
