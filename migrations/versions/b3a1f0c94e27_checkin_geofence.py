"""check-in geofence: the organiser's position on a code, the distance on a record

Revision ID: b3a1f0c94e27
Revises: 9c4d6e2f8a13
Create Date: 2026-11-26 18:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b3a1f0c94e27"
down_revision = "9c4d6e2f8a13"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("checkin_codes") as batch_op:
        batch_op.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Float(), nullable=True))
    with op.batch_alter_table("service_records") as batch_op:
        batch_op.add_column(sa.Column("checkin_distance_m", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("checkout_distance_m", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("service_records") as batch_op:
        batch_op.drop_column("checkout_distance_m")
        batch_op.drop_column("checkin_distance_m")
    with op.batch_alter_table("checkin_codes") as batch_op:
        batch_op.drop_column("longitude")
        batch_op.drop_column("latitude")
