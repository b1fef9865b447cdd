"""spot checks, self-checks, nominations

Revision ID: f8c3d4e5f6a7
Revises: f7b2c3d4e5f6
Create Date: 2026-12-02 08:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f8c3d4e5f6a7"
down_revision = "f7b2c3d4e5f6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "spot_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("share", sa.Float(), nullable=True),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('open', 'done')", name=op.f("ck_spot_checks_status")),
        sa.CheckConstraint("size > 0 AND size <= population", name=op.f("ck_spot_checks_size_within_population")),
        sa.CheckConstraint("share IS NULL OR (share > 0 AND share <= 1)", name=op.f("ck_spot_checks_share_range")),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_spot_checks_period_ordered")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_spot_checks_created_by_users")),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"], name=op.f("fk_spot_checks_region_code_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spot_checks")),
    )
    op.create_index("ix_spot_checks_region_code", "spot_checks", ["region_code"], unique=False)
    op.create_table(
        "spot_check_items",
        sa.Column("spot_check_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(length=12), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("minutes_before", sa.Integer(), nullable=True),
        sa.Column("minutes_after", sa.Integer(), nullable=True),
        sa.Column("verified_by", sa.Integer(), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "result IN ('pending', 'confirmed', 'discrepancy')", name=op.f("ck_spot_check_items_result")
        ),
        sa.CheckConstraint(
            "result <> 'discrepancy' OR note IS NOT NULL", name=op.f("ck_spot_check_items_note_for_discrepancy")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["service_records.id"], name=op.f("fk_spot_check_items_record_id_service_records")
        ),
        sa.ForeignKeyConstraint(
            ["spot_check_id"],
            ["spot_checks.id"],
            name=op.f("fk_spot_check_items_spot_check_id_spot_checks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["verified_by"], ["users.id"], name=op.f("fk_spot_check_items_verified_by_users")),
        sa.PrimaryKeyConstraint("spot_check_id", "record_id", name=op.f("pk_spot_check_items")),
        sa.UniqueConstraint("spot_check_id", "position", name=op.f("uq_spot_check_items_spot_check_id_position")),
    )
    op.create_index("ix_spot_check_items_record_id", "spot_check_items", ["record_id"], unique=False)
    op.create_table(
        "self_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("done_by", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_self_checks_period_ordered")),
        sa.ForeignKeyConstraint(["done_by"], ["users.id"], name=op.f("fk_self_checks_done_by_users")),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"], name=op.f("fk_self_checks_region_code_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_checks")),
        sa.UniqueConstraint(
            "region_code", "period_start", "period_end", name=op.f("uq_self_checks_region_code_period_start_period_end")
        ),
    )
    op.create_table(
        "assessment_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("volunteers", sa.Integer(), nullable=True),
        sa.Column("active_volunteers", sa.Integer(), nullable=True),
        sa.Column("hours", sa.Integer(), nullable=True),
        sa.Column("needs_posted", sa.Integer(), nullable=True),
        sa.Column("needs_filled", sa.Integer(), nullable=True),
        sa.Column("fill_rate", sa.Float(), nullable=True),
        sa.Column("relay_weeks_covered", sa.Integer(), nullable=True),
        sa.Column("sessions_held", sa.Integer(), nullable=True),
        sa.Column("villagers_reached", sa.Integer(), nullable=True),
        sa.Column("set_by", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("year BETWEEN 2000 AND 2099", name=op.f("ck_assessment_targets_year_range")),
        sa.CheckConstraint(
            "fill_rate IS NULL OR (fill_rate >= 0 AND fill_rate <= 1)",
            name=op.f("ck_assessment_targets_fill_rate_range"),
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_assessment_targets_region_code_regions")
        ),
        sa.ForeignKeyConstraint(["set_by"], ["users.id"], name=op.f("fk_assessment_targets_set_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_targets")),
        sa.UniqueConstraint("region_code", "year", name=op.f("uq_assessment_targets_region_code_year")),
    )
    op.create_table(
        "nominations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("county_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("story", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("nominated_by", sa.Integer(), nullable=False),
        sa.Column("nominated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("county_reviewed_by", sa.Integer(), nullable=True),
        sa.Column("county_reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("province_reviewed_by", sa.Integer(), nullable=True),
        sa.Column("province_reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "status IN ('nominated', 'county_approved', 'rejected', 'published')", name=op.f("ck_nominations_status")
        ),
        sa.CheckConstraint("year BETWEEN 2000 AND 2099", name=op.f("ck_nominations_year_range")),
        sa.ForeignKeyConstraint(["county_code"], ["regions.code"], name=op.f("fk_nominations_county_code_regions")),
        sa.ForeignKeyConstraint(
            ["county_reviewed_by"], ["users.id"], name=op.f("fk_nominations_county_reviewed_by_users")
        ),
        sa.ForeignKeyConstraint(["nominated_by"], ["users.id"], name=op.f("fk_nominations_nominated_by_users")),
        sa.ForeignKeyConstraint(
            ["province_reviewed_by"], ["users.id"], name=op.f("fk_nominations_province_reviewed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["volunteers.id"], name=op.f("fk_nominations_volunteer_id_volunteers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nominations")),
    )
    op.create_index("ix_nominations_county_code_status", "nominations", ["county_code", "status"], unique=False)
    op.create_index(
        "uq_nominations_volunteer_year_live",
        "nominations",
        ["volunteer_id", "year"],
        unique=True,
        postgresql_where=sa.text("status <> 'rejected'"),
        sqlite_where=sa.text("status <> 'rejected'"),
    )
    with op.batch_alter_table("volunteers") as batch_op:
        batch_op.add_column(sa.Column("listed", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("volunteers") as batch_op:
        batch_op.drop_column("listed")
    op.drop_index("uq_nominations_volunteer_year_live", table_name="nominations")
    op.drop_index("ix_nominations_county_code_status", table_name="nominations")
    op.drop_table("nominations")
    op.drop_table("assessment_targets")
    op.drop_table("self_checks")
    op.drop_index("ix_spot_check_items_record_id", table_name="spot_check_items")
    op.drop_table("spot_check_items")
    op.drop_index("ix_spot_checks_region_code", table_name="spot_checks")
    op.drop_table("spot_checks")
