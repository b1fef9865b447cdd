from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import db


class Region(db.Model):
    __tablename__ = "regions"
    __table_args__ = (
        CheckConstraint("level IN ('province','city','county','township','village')", name="level"),
        CheckConstraint("length(code) IN (6, 9, 12)", name="code_length"),
        Index("ix_regions_parent_code", "parent_code"),
    )

    #: GB/T 2260 code (6 digits) or statistics code (9 digits township, 12 digits village).
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(8))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    #: 深度贫困县 — set by staff on counties.
    deep_poverty: Mapped[bool] = mapped_column(Boolean, default=False)
    #: 贫困村 — set by staff on villages.
    poor_village: Mapped[bool] = mapped_column(Boolean, default=False)
