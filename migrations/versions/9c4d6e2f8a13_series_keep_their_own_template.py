"""series keep their own template instead of pointing at their first occurrence

Editing the first occurrence used to change the weeks to come whenever no unedited occurrence
could take its place. The template's content is now copied onto the series.

Revision ID: 9c4d6e2f8a13
Revises: 5e8f2a7c1b90
Create Date: 2026-11-26 19:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "9c4d6e2f8a13"
down_revision = "5e8f2a7c1b90"
branch_labels = None
depends_on = None

FIELDS = ("village_code", "title", "description", "area", "skills", "kind", "topic", "capacity")

series = sa.table(
    "series", sa.column("id", sa.Integer), sa.column("template_id", sa.Integer), sa.column("template", sa.JSON)
)
activities = sa.table(
    "activities",
    sa.column("id", sa.Integer),
    sa.column("series_id", sa.Integer),
    sa.column("village_code", sa.String),
    sa.column("title", sa.String),
    sa.column("description", sa.Text),
    sa.column("area", sa.String),
    sa.column("skills", sa.JSON),
    sa.column("kind", sa.String),
    sa.column("topic", sa.String),
    sa.column("capacity", sa.Integer),
)


def upgrade():
    with op.batch_alter_table("series") as batch_op:
        batch_op.add_column(sa.Column("template", sa.JSON(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(series.c.id, *(activities.c[name] for name in FIELDS)).join(
            activities, activities.c.id == series.c.template_id
        )
    )
    for row in rows.all():
        template = {name: getattr(row, name) for name in FIELDS}
        bind.execute(series.update().where(series.c.id == row.id).values(template=template))
    with op.batch_alter_table("series") as batch_op:
        batch_op.alter_column("template", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("template_id")


def downgrade():
    with op.batch_alter_table("series") as batch_op:
        batch_op.add_column(sa.Column("template_id", sa.Integer(), nullable=True))
    bind = op.get_bind()
    first = sa.select(sa.func.min(activities.c.id)).where(activities.c.series_id == series.c.id).scalar_subquery()
    bind.execute(series.update().values(template_id=first))
    with op.batch_alter_table("series") as batch_op:
        batch_op.drop_column("template")
