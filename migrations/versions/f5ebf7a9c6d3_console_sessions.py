"""staff console sessions

Revision ID: f5ebf7a9c6d3
Revises: f4dae6f8b5c2
Create Date: 2026-12-02 05:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f5ebf7a9c6d3"
down_revision = "f4dae6f8b5c2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "console_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_console_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_sessions")),
        sa.UniqueConstraint("session_hash", name=op.f("uq_console_sessions_session_hash")),
    )
    op.create_index("ix_console_sessions_user_id", "console_sessions", ["user_id"], unique=False)


def downgrade():
    op.drop_index("ix_console_sessions_user_id", table_name="console_sessions")
    op.drop_table("console_sessions")
