"""One table for the whole tree: province, city, county (official codes), township, village."""

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Model


class Region(Model):
    __tablename__ = "regions"
    __table_args__ = (
        CheckConstraint("level IN ('province','city','county','township','village')", name="level"),
        CheckConstraint("length(code) IN (6, 9, 12)", name="code_length"),
        Index("ix_regions_parent_code", "parent_code"),
    )

    #: GB/T 2260 code (6 digits) or statistics code (9 digits township, 12 digits village).
    #: A code starts with its parent's significant digits, which is what scope checks rely on.
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    #: The official name, e.g. 小店区, 小店街道, 西温庄村.
    name: Mapped[str] = mapped_column(String(64))
    #: province / city / county / township / village; always derived from the code.
    level: Mapped[str] = mapped_column(String(8))
    #: None only for a province; a county of a municipality or a 省直辖县 hangs off the province.
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    #: 深度贫困县 — set by staff, on counties only.
    deep_poverty: Mapped[bool] = mapped_column(Boolean, default=False)
    #: 贫困村 — set by staff or by the village import, on villages only.
    poor_village: Mapped[bool] = mapped_column(Boolean, default=False)
