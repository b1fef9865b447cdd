"""programs, villagers reached, national volunteer numbers

programs (项目: the league's list, seeded with the usual seven) and activities.program_id; the villagers
an activity reached and how many of them from registered poor households (counts only); the national
unified volunteer number (志愿者统一编号) on volunteers (unique) and on the certificates issued since.

On SQLite the activities and volunteers tables are copied to gain their constraints: the partial index
on activities is dropped first and made again after, so its WHERE clause cannot be lost in the copy.

Revision ID: f7b2c3d4e5f6
Revises: f6a1b2c3d4e5
Create Date: 2026-12-02 08:10:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "f7b2c3d4e5f6"
down_revision = "f6a1b2c3d4e5"
branch_labels = None
depends_on = None

ESCALATED = sa.text("escalated_at IS NOT NULL")
#: As app/programs/models.py USUAL_PROGRAMS had them when this migration was written.
USUAL_PROGRAMS = (
    ("希望工程", "助学圆梦，资助贫困家庭学生"),
    ("七彩假期", "寒暑假为农村留守儿童开展的课业辅导、安全教育和兴趣活动"),
    ("乡伴计划", "青年志愿者与乡村儿童、老人结伴帮扶"),
    ("红领巾圆梦行动", "帮助贫困地区少先队员实现微心愿"),
    ("留守儿童之家", "村级留守儿童活动阵地的日常服务"),
    ("乡村流动少年宫", "送文体、科技和艺术活动下乡"),
    ("扶贫接力计划", "研究生支教团、西部计划等接力开展的脱贫攻坚志愿服务"),
)


def upgrade():
    programs = op.create_table(
        "programs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("description", sa.String(length=200), server_default="", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_programs_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programs")),
        sa.UniqueConstraint("name", name=op.f("uq_programs_name")),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        programs,
        [
            {"name": name, "description": description, "active": True, "created_at": now, "updated_at": now}
            for name, description in USUAL_PROGRAMS
        ],
    )
    op.drop_index("ix_activities_escalated_at", table_name="activities")
    with op.batch_alter_table("activities") as batch_op:
        batch_op.add_column(sa.Column("program_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("villagers", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("poor_households", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_activities_program_id_programs"), "programs", ["program_id"], ["id"])
        batch_op.create_check_constraint(
            "villagers_reached",
            "villagers IS NULL OR (villagers >= 0 AND (poor_households IS NULL OR "
            "poor_households BETWEEN 0 AND villagers))",
        )
        batch_op.create_check_constraint(
            "poor_households_with_villagers", "poor_households IS NULL OR villagers IS NOT NULL"
        )
    op.create_index(
        "ix_activities_escalated_at", "activities", ["escalated_at"], postgresql_where=ESCALATED, sqlite_where=ESCALATED
    )
    with op.batch_alter_table("volunteers") as batch_op:
        batch_op.add_column(sa.Column("national_no", sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(op.f("uq_volunteers_national_no"), ["national_no"])
    with op.batch_alter_table("certificates") as batch_op:
        batch_op.add_column(sa.Column("national_no", sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table("certificates") as batch_op:
        batch_op.drop_column("national_no")
    with op.batch_alter_table("volunteers") as batch_op:
        batch_op.drop_constraint(op.f("uq_volunteers_national_no"), type_="unique")
        batch_op.drop_column("national_no")
    op.drop_index("ix_activities_escalated_at", table_name="activities")
    with op.batch_alter_table("activities") as batch_op:
        batch_op.drop_constraint(op.f("ck_activities_poor_households_with_villagers"), type_="check")
        batch_op.drop_constraint(op.f("ck_activities_villagers_reached"), type_="check")
        batch_op.drop_constraint(op.f("fk_activities_program_id_programs"), type_="foreignkey")
        batch_op.drop_column("poor_households")
        batch_op.drop_column("villagers")
        batch_op.drop_column("program_id")
    op.create_index(
        "ix_activities_escalated_at", "activities", ["escalated_at"], postgresql_where=ESCALATED, sqlite_where=ESCALATED
    )
    op.drop_table("programs")
