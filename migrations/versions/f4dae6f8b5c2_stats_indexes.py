"""statistics indexes: a period's confirmed service records (covering, on PostgreSQL) and needs by creation

app/stats reads every confirmed record of a period (hours, active volunteers) and every need created
in it; bench/stats_query.py measures both with and without these.

Revision ID: f4dae6f8b5c2
Revises: f3c9d5e7a4b1
Create Date: 2026-12-02 05:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f4dae6f8b5c2"
down_revision = "f3c9d5e7a4b1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_service_records_confirmed_checked_in_at",
        "service_records",
        ["checked_in_at"],
        postgresql_include=["volunteer_id", "activity_id", "confirmed_minutes"],
        postgresql_where=sa.text("status = 'confirmed'"),
        sqlite_where=sa.text("status = 'confirmed'"),
    )
    op.create_index("ix_activities_type_created_at", "activities", ["type", "created_at"])


def downgrade():
    op.drop_index("ix_activities_type_created_at", table_name="activities")
    op.drop_index("ix_service_records_confirmed_checked_in_at", table_name="service_records")
