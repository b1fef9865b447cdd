from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.core.db import EncryptedString, Model, UTCDateTime
from app.volunteers.availability import AREA_INDEX, EMPTY_MASK, mask_bytes, skill_keys
from config.catalog import AREAS

_AREA_LIST = ",".join(f"'{code}'" for code in AREAS)


class Volunteer(Model):
    __tablename__ = "volunteers"
    __table_args__ = (
        CheckConstraint("gender IS NULL OR gender IN ('male','female')", name="gender"),
        CheckConstraint("birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100", name="birth_year"),
        CheckConstraint("monthly_hours_cap IS NULL OR monthly_hours_cap BETWEEN 1 AND 744", name="monthly_hours_cap"),
        Index("ix_volunteers_home_region_code", "home_region_code"),
        # A re-offer's pool: one area team within a reach, read from the index alone (app/dispatch/pool.py).
        Index(
            "ix_volunteers_team_bits_home",
            "team_bits",
            "home_region_code",
            postgresql_include=["id", "availability_mask", "monthly_hours_cap", "withdrawn_at", "offers_paused"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    #: The public volunteer number printed on records and certificates.
    volunteer_no: Mapped[str | None] = mapped_column(String(20), unique=True)
    #: 志愿者统一编号: the number the national volunteer information system (全国志愿服务信息系统) gave
    #: them, entered by staff (app.volunteers.numbers); printed on records and certificates beside ours,
    #: never the ID number.
    national_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    #: Real name; replaced by a placeholder on withdrawal.
    name: Mapped[str] = mapped_column(String(32))
    #: Mainland mobile number, encrypted; None after withdrawal.
    phone: Mapped[str | None] = mapped_column(EncryptedString(255))
    #: Keyed hash of the phone, to refuse a second registration with the same number.
    phone_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Resident ID number (sensitive; only with separate consent), encrypted.
    id_number: Mapped[str | None] = mapped_column(EncryptedString(255))
    id_number_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    gender: Mapped[str | None] = mapped_column(String(8))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    #: Home village or county.
    home_region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    skills: Mapped[list] = mapped_column(JSON, default=list)
    #: [{"weekday": 1-7, "start": "HH:MM", "end": "HH:MM"}], in the service's zone.
    availability: Mapped[list] = mapped_column(JSON, default=list)
    consent_version: Mapped[str] = mapped_column(String(16))
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Separate consent for sensitive data (ID number, location); None when not given.
    sensitive_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The volunteer asked the dispatcher not to offer anything for now (their right, art. 25).
    offers_paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: At most this many hours a month of confirmed sign-ups and open offers; None: no cap of their own.
    monthly_hours_cap: Mapped[int | None] = mapped_column(Integer)
    #: The volunteer asked for the weekly digest of open needs near home (app.dispatch.digest).
    digest_opt_in: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: The volunteer agreed to appear, by display name, in the public hours rankings (app.recognition.rankings).
    listed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Derived, kept by the validators below for the dispatcher's bulk read: the availability as seven day
    #: masks (app.volunteers.availability.mask_bytes) and the skills as sorted normalised keys.
    availability_mask: Mapped[bytes] = mapped_column(LargeBinary(56), default=EMPTY_MASK)
    skill_keys: Mapped[list] = mapped_column(JSON, default=list)
    #: The area teams as bits (app.volunteers.availability.AREA_INDEX), kept as memberships come and go.
    team_bits: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    teams: Mapped[list["TeamMembership"]] = relationship(
        back_populates="volunteer", cascade="all, delete-orphan", order_by="TeamMembership.area"
    )

    @validates("availability")
    def _derive_mask(self, _key: str, availability: list | None) -> list | None:
        self.availability_mask = mask_bytes(availability)
        return availability

    @validates("skills")
    def _derive_skill_keys(self, _key: str, skills: list | None) -> list | None:
        self.skill_keys = skill_keys(skills)
        return skills

    @validates("teams", include_removes=True)
    def _derive_team_bits(self, _key: str, membership: "TeamMembership", is_remove: bool) -> "TeamMembership":
        bit = 1 << AREA_INDEX[membership.area]
        bits = self.team_bits or 0
        self.team_bits = bits & ~bit if is_remove else bits | bit
        return membership

    @property
    def areas(self) -> list[str]:
        return [membership.area for membership in self.teams]


class TeamMembership(Model):
    """A volunteer's place in one of the nine area teams."""

    __tablename__ = "team_memberships"
    __table_args__ = (
        CheckConstraint(f"area IN ({_AREA_LIST})", name="area"),
        Index("ix_team_memberships_area", "area"),
        Index("ix_team_memberships_joined_at", "joined_at"),
    )

    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True)
    area: Mapped[str] = mapped_column(String(16), primary_key=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)

    volunteer: Mapped[Volunteer] = relationship(back_populates="teams")
