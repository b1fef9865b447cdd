"""service years: the per-volunteer-year rollup the statistics read

Revision ID: f6a1b2c3d4e5
Revises: f5ebf7a9c6d3
Create Date: 2026-12-02 08:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f6a1b2c3d4e5"
down_revision = "f5ebf7a9c6d3"
branch_labels = None
depends_on = None

MONTHS = range(1, 13)


def upgrade():
    op.create_table(
        "service_years",
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=16), nullable=False),
        sa.Column("home_region_code", sa.String(length=12), nullable=True),
        sa.Column("r01", sa.Integer(), nullable=False),
        sa.Column("r02", sa.Integer(), nullable=False),
        sa.Column("r03", sa.Integer(), nullable=False),
        sa.Column("r04", sa.Integer(), nullable=False),
        sa.Column("r05", sa.Integer(), nullable=False),
        sa.Column("r06", sa.Integer(), nullable=False),
        sa.Column("r07", sa.Integer(), nullable=False),
        sa.Column("r08", sa.Integer(), nullable=False),
        sa.Column("r09", sa.Integer(), nullable=False),
        sa.Column("r10", sa.Integer(), nullable=False),
        sa.Column("r11", sa.Integer(), nullable=False),
        sa.Column("r12", sa.Integer(), nullable=False),
        sa.Column("m01", sa.Integer(), nullable=False),
        sa.Column("m02", sa.Integer(), nullable=False),
        sa.Column("m03", sa.Integer(), nullable=False),
        sa.Column("m04", sa.Integer(), nullable=False),
        sa.Column("m05", sa.Integer(), nullable=False),
        sa.Column("m06", sa.Integer(), nullable=False),
        sa.Column("m07", sa.Integer(), nullable=False),
        sa.Column("m08", sa.Integer(), nullable=False),
        sa.Column("m09", sa.Integer(), nullable=False),
        sa.Column("m10", sa.Integer(), nullable=False),
        sa.Column("m11", sa.Integer(), nullable=False),
        sa.Column("m12", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["volunteers.id"], name=op.f("fk_service_years_volunteer_id_volunteers")
        ),
        sa.PrimaryKeyConstraint("volunteer_id", "year", "area", name=op.f("pk_service_years")),
    )
    op.create_index("ix_service_years_year_area_home", "service_years", ["year", "area", "home_region_code"])
    _backfill()


def _backfill():
    """The records already confirmed, summed as app/attendance/rollup.py's rebuild sums them."""
    if op.get_bind().dialect.name == "postgresql":
        local = "(r.checked_in_at AT TIME ZONE 'Asia/Shanghai')"
        year, month = f"CAST(extract(year FROM {local}) AS integer)", f"CAST(extract(month FROM {local}) AS integer)"
    else:
        year = "CAST(strftime('%Y', r.checked_in_at, '+8 hours') AS integer)"
        month = "CAST(strftime('%m', r.checked_in_at, '+8 hours') AS integer)"
    names = [f"r{n:02d}" for n in MONTHS] + [f"m{n:02d}" for n in MONTHS]
    sums = [f"sum(CASE WHEN {month} = {n} THEN 1 ELSE 0 END)" for n in MONTHS]
    sums += [f"sum(CASE WHEN {month} = {n} THEN r.confirmed_minutes ELSE 0 END)" for n in MONTHS]
    columns = ", ".join(f"{total} AS {name}" for total, name in zip(sums, names, strict=True))
    # Every name in it is one of this file's constants.
    op.execute(
        f"""
        INSERT INTO service_years (volunteer_id, year, area, home_region_code, {", ".join(names)})
        SELECT s.volunteer_id, s.year, s.area, v.home_region_code, {", ".join("s." + name for name in names)}
        FROM (
            SELECT r.volunteer_id, {year} AS year, '' AS area, {columns}
            FROM service_records r WHERE r.status = 'confirmed'
            GROUP BY r.volunteer_id, {year}
            UNION ALL
            SELECT r.volunteer_id, {year} AS year, a.area, {columns}
            FROM service_records r JOIN activities a ON a.id = r.activity_id
            WHERE r.status = 'confirmed' AND a.type = 'need' AND a.area IS NOT NULL
            GROUP BY r.volunteer_id, {year}, a.area
        ) s JOIN volunteers v ON v.id = s.volunteer_id
        """  # noqa: S608
    )


def downgrade():
    op.drop_index("ix_service_years_year_area_home", table_name="service_years")
    op.drop_table("service_years")
