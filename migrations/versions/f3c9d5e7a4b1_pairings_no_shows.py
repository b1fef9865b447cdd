"""pairings and no-shows

结对帮扶 (region_pairings: a helping region and a helped one), and a sign-up's no_show status (a
confirmed sign-up whose activity ended without the volunteer checking in): the signups status check
learns it. The sign-up function (sql/sign_up_v2.sql) needs no change: it reads only 'cancelled' (a
no_show is still the volunteer's sign-up) and 'confirmed' (a no_show overlaps nothing).

Revision ID: f3c9d5e7a4b1
Revises: f2b8c4d6e3a0
Create Date: 2026-12-02 05:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f3c9d5e7a4b1"
down_revision = "f2b8c4d6e3a0"
branch_labels = None
depends_on = None

LIVE = sa.text("status <> 'cancelled'")


def upgrade():
    op.create_table(
        "region_pairings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("helping_code", sa.String(length=12), nullable=False),
        sa.Column("helped_code", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("helping_code <> helped_code", name=op.f("ck_region_pairings_distinct_regions")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_region_pairings_created_by_users")),
        sa.ForeignKeyConstraint(["helped_code"], ["regions.code"], name=op.f("fk_region_pairings_helped_code_regions")),
        sa.ForeignKeyConstraint(
            ["helping_code"], ["regions.code"], name=op.f("fk_region_pairings_helping_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region_pairings")),
        sa.UniqueConstraint("helping_code", "helped_code", name=op.f("uq_region_pairings_helping_code_helped_code")),
    )
    with op.batch_alter_table("region_pairings") as batch_op:
        batch_op.create_index("ix_region_pairings_helped_code", ["helped_code"])
    _signup_statuses("'confirmed', 'waitlisted', 'cancelled', 'no_show'")


def downgrade():
    # A no-show was a confirmed sign-up that went unused: that is what it becomes again.
    op.execute("UPDATE signups SET status = 'confirmed' WHERE status = 'no_show'")
    _signup_statuses("'confirmed', 'waitlisted', 'cancelled'")
    with op.batch_alter_table("region_pairings") as batch_op:
        batch_op.drop_index("ix_region_pairings_helped_code")
    op.drop_table("region_pairings")


def _signup_statuses(values: str) -> None:
    """Replace the signups status check. On SQLite that recreates the table; its partial unique index is
    dropped first and made again after, so its WHERE clause cannot be lost in the copy."""
    op.drop_index("uq_signups_volunteer_activity_live", table_name="signups")
    with op.batch_alter_table("signups") as batch_op:
        batch_op.drop_constraint(op.f("ck_signups_status"), type_="check")
        batch_op.create_check_constraint("status", f"status IN ({values})")
    op.create_index(
        "uq_signups_volunteer_activity_live",
        "signups",
        ["volunteer_id", "activity_id"],
        unique=True,
        postgresql_where=LIVE,
        sqlite_where=LIVE,
    )
