"""dispatch: volunteers by area team and home, for a re-offer's reach

Revision ID: fa1e2d3c4b5a
Revises: f9d4e5f6a7b8
Create Date: 2026-12-04 02:10:00
"""

from alembic import op

revision = "fa1e2d3c4b5a"
down_revision = "f9d4e5f6a7b8"
branch_labels = None
depends_on = None


#: What a re-offer's pool read (app/dispatch/pool.py, volunteers_select) reads besides the key columns.
COVERED = ["id", "availability_mask", "monthly_hours_cap", "withdrawn_at", "offers_paused"]


def upgrade():
    # A re-offer reads one area team within a city or county: `team_bits IN (every mask holding the team's
    # bit)` and a home range, both in this index. By home alone a city's whole roll was read to keep its
    # sixth (86,000 rows for 14,000 at province scale: 155 ms against 17 ms), and the planner can estimate
    # the IN list from team_bits' own statistics, which it cannot do for `team_bits & bit <> 0`.
    # On PostgreSQL it also carries the columns the read needs, so it is answered from the index alone (no
    # visit to each volunteer's heap page: 60 ms to 8 ms for a city's team; 117 MB for 10⁶ volunteers).
    op.create_index(
        "ix_volunteers_team_bits_home",
        "volunteers",
        ["team_bits", "home_region_code"],
        postgresql_include=COVERED,
    )


def downgrade():
    op.drop_index("ix_volunteers_team_bits_home", table_name="volunteers")
