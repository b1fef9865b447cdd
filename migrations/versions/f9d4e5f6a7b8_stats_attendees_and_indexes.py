"""statistics: activities count who came; team members by joining time, activities by program

Revision ID: f9d4e5f6a7b8
Revises: f8c3d4e5f6a7
Create Date: 2026-12-02 17:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f9d4e5f6a7b8"
down_revision = "f8c3d4e5f6a7"
branch_labels = None
depends_on = None


def upgrade():
    # Who came to an activity, counted by check-in from now on and here for what is already recorded.
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("attendees", sa.Integer(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE activities SET attendees = (SELECT count(*) FROM service_records r WHERE r.activity_id = activities.id)"
        " WHERE EXISTS (SELECT 1 FROM service_records r WHERE r.activity_id = activities.id)"
    )
    # The statistics count area teams from volunteers.team_bits and take off those who joined after the
    # period: a range on joined_at, empty for a period ending today.
    op.create_index("ix_team_memberships_joined_at", "team_memberships", ["joined_at"])
    # The per-program figures start from the activities of a program (most have none).
    op.create_index(
        "ix_activities_program_id",
        "activities",
        ["program_id"],
        postgresql_where=sa.text("program_id IS NOT NULL"),
        sqlite_where=sa.text("program_id IS NOT NULL"),
    )


def downgrade():
    op.drop_index("ix_activities_program_id", table_name="activities")
    op.drop_index("ix_team_memberships_joined_at", table_name="team_memberships")
    with op.batch_alter_table("activities") as batch:
        batch.drop_column("attendees")
