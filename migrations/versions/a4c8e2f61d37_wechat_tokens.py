"""the access token shared through the database when there is no Redis (wechatpy session storage)

Revision ID: a4c8e2f61d37
Revises: e7c3d1f5a824
Create Date: 2026-11-27 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a4c8e2f61d37"
down_revision = "e7c3d1f5a824"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "wechat_tokens",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_wechat_tokens")),
    )


def downgrade():
    op.drop_table("wechat_tokens")
