"""dispatch at scale: derived volunteer columns (availability day masks, normalised skill keys, team bits), the per-volunteer
rollup the fairness terms read, and each slot's ranked next candidates

The derived columns are filled for existing volunteers from their availability and skills.

Revision ID: f1d0a7c3b2e1
Revises: c8f1d2e3a4b5
Create Date: 2026-12-02 05:40:00
"""

import json

import sqlalchemy as sa
from alembic import op

from app.volunteers.availability import EMPTY_MASK, mask_bytes, skill_keys
from config.catalog import AREAS

revision = "f1d0a7c3b2e1"
down_revision = "c8f1d2e3a4b5"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("volunteers") as batch_op:
        batch_op.add_column(sa.Column("availability_mask", sa.LargeBinary(length=56), nullable=True))
        batch_op.add_column(sa.Column("skill_keys", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("team_bits", sa.Integer(), server_default="0", nullable=False))
    volunteers = sa.table(
        "volunteers",
        sa.column("id", sa.Integer),
        sa.column("availability", sa.JSON),
        sa.column("skills", sa.JSON),
        sa.column("availability_mask", sa.LargeBinary),
        sa.column("skill_keys", sa.JSON),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(volunteers.c.id, volunteers.c.availability, volunteers.c.skills)).all()
    for row in rows:
        availability = json.loads(row.availability) if isinstance(row.availability, str) else row.availability
        skills = json.loads(row.skills) if isinstance(row.skills, str) else row.skills
        connection.execute(
            sa.update(volunteers)
            .where(volunteers.c.id == row.id)
            .values(availability_mask=mask_bytes(availability), skill_keys=skill_keys(skills))
        )
    connection.execute(
        sa.update(volunteers)
        .where(volunteers.c.availability_mask.is_(None))
        .values(availability_mask=EMPTY_MASK, skill_keys=[])
    )
    for index, area in enumerate(AREAS):
        connection.execute(
            sa.text(
                "UPDATE volunteers SET team_bits = team_bits | :bit"
                " WHERE id IN (SELECT volunteer_id FROM team_memberships WHERE area = :area)"
            ),
            {"bit": 1 << index, "area": area},
        )
    with op.batch_alter_table("volunteers") as batch_op:
        batch_op.alter_column("availability_mask", existing_type=sa.LargeBinary(length=56), nullable=False)
        batch_op.alter_column("skill_keys", existing_type=sa.JSON(), nullable=False)
    op.create_table(
        "dispatch_rollups",
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("half_hours_90d", sa.Integer(), nullable=False),
        sa.Column("offers_90d", sa.Integer(), nullable=False),
        sa.Column("declines_90d", sa.Integer(), nullable=False),
        sa.Column("no_shows", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_dispatch_rollups_volunteer_id_volunteers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("volunteer_id", name=op.f("pk_dispatch_rollups")),
    )
    op.create_table(
        "dispatch_candidates",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("cost", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_dispatch_candidates_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["dispatch_rounds.id"], name=op.f("fk_dispatch_candidates_round_id_dispatch_rounds")
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_dispatch_candidates_volunteer_id_volunteers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("activity_id", "rank", name=op.f("pk_dispatch_candidates")),
    )


def downgrade():
    op.drop_table("dispatch_candidates")
    op.drop_table("dispatch_rollups")
    with op.batch_alter_table("volunteers") as batch_op:
        batch_op.drop_column("team_bits")
        batch_op.drop_column("skill_keys")
        batch_op.drop_column("availability_mask")
