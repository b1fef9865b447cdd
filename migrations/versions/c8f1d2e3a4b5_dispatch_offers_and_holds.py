"""dispatch: seats held by offers, offers and rounds, the volunteer's pause and monthly cap

Activities count held seats beside taken ones (the database refuses taken + held > capacity), and
the sign-up function learns that held seats are not for self sign-up (sql/sign_up_v2.sql; the
downgrade loads v1 again).

Revision ID: c8f1d2e3a4b5
Revises: a4c8e2f61d37
Create Date: 2026-12-02 00:24:26
"""

from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "c8f1d2e3a4b5"
down_revision = "a4c8e2f61d37"
branch_labels = None
depends_on = None

SQL = Path(__file__).resolve().parents[2] / "app" / "activities" / "sql"
OPEN = sa.text("status = 'offered'")


def upgrade():
    op.create_table(
        "dispatch_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("started_by", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("slots", sa.Integer(), nullable=False),
        sa.Column("volunteers", sa.Integer(), nullable=False),
        sa.Column("edges", sa.Integer(), nullable=False),
        sa.Column("offers", sa.Integer(), nullable=False),
        sa.Column("filled", sa.Integer(), nullable=False),
        sa.Column("cost", sa.Integer(), nullable=False),
        sa.Column("solver_status", sa.String(length=32), nullable=True),
        sa.Column("seconds", sa.Double(), nullable=True),
        sa.Column("peak_memory_kb", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["started_by"], ["users.id"], name=op.f("fk_dispatch_rounds_started_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_rounds")),
    )
    op.create_table(
        "offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cost", sa.Integer(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("revoke_reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signup_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(status = 'revoked') = (revoke_reason IS NOT NULL)", name=op.f("ck_offers_revoke_reason_when_revoked")
        ),
        sa.CheckConstraint(
            "status IN ('offered', 'accepted', 'declined', 'expired', 'revoked')", name=op.f("ck_offers_status")
        ),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"], name=op.f("fk_offers_activity_id_activities")),
        sa.ForeignKeyConstraint(["round_id"], ["dispatch_rounds.id"], name=op.f("fk_offers_round_id_dispatch_rounds")),
        sa.ForeignKeyConstraint(["signup_id"], ["signups.id"], name=op.f("fk_offers_signup_id_signups")),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteers.id"], name=op.f("fk_offers_volunteer_id_volunteers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
        sa.UniqueConstraint("activity_id", "volunteer_id", name=op.f("uq_offers_activity_id_volunteer_id")),
    )
    with op.batch_alter_table("offers") as batch_op:
        batch_op.create_index("ix_offers_open_expires_at", ["expires_at"], postgresql_where=OPEN, sqlite_where=OPEN)
        batch_op.create_index("ix_offers_volunteer_status", ["volunteer_id", "status"])
    with op.batch_alter_table("activities") as batch_op:
        batch_op.add_column(sa.Column("held", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_check_constraint("taken_held_within_capacity", "held >= 0 AND taken + held <= capacity")
    with op.batch_alter_table("volunteers") as batch_op:
        batch_op.add_column(sa.Column("offers_paused", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("monthly_hours_cap", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            "monthly_hours_cap", "monthly_hours_cap IS NULL OR monthly_hours_cap BETWEEN 1 AND 744"
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute((SQL / "sign_up_v2.sql").read_text(encoding="utf-8"))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute((SQL / "sign_up_v1.sql").read_text(encoding="utf-8"))
    with op.batch_alter_table("volunteers") as batch_op:
        batch_op.drop_constraint(op.f("ck_volunteers_monthly_hours_cap"), type_="check")
        batch_op.drop_column("monthly_hours_cap")
        batch_op.drop_column("offers_paused")
    with op.batch_alter_table("activities") as batch_op:
        batch_op.drop_constraint(op.f("ck_activities_taken_held_within_capacity"), type_="check")
        batch_op.drop_column("held")
    with op.batch_alter_table("offers") as batch_op:
        batch_op.drop_index("ix_offers_volunteer_status")
        batch_op.drop_index("ix_offers_open_expires_at")
    op.drop_table("offers")
    op.drop_table("dispatch_rounds")
