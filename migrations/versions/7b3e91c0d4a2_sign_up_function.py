"""sign-up in one round trip on PostgreSQL

The sign-up rules of app/activities/signups.py::sign_up_in_python (checks, the conditional seat
update, the waitlist, the audit row and the message) as one PL/pgSQL function, so a sign-up costs
one round trip instead of eight; its text is app/activities/sql/sign_up_v1.sql. SQLite keeps the
Python path; the same contract tests run on both.

Revision ID: 7b3e91c0d4a2
Revises: 2cd57ecd9a9b
Create Date: 2026-11-26 16:40:00
"""

from pathlib import Path

from alembic import op

revision = "7b3e91c0d4a2"
down_revision = "2cd57ecd9a9b"
branch_labels = None
depends_on = None

# The function's text lives beside the rules it mirrors. This migration always loads version 1: a
# later change to the rules is a new file (sign_up_v2.sql) and a new migration that loads it, so
# upgrading from any revision builds the same function.
SIGN_UP = Path(__file__).resolve().parents[2] / "app" / "activities" / "sql" / "sign_up_v1.sql"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(SIGN_UP.read_text(encoding="utf-8"))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS sign_up_for_activity")
