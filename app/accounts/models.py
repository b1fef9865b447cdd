from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import EncryptedString, Model, UTCDateTime


class User(Model):
    """Anyone who logs in: a WeChat user (openid) or a staff account (username)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The mini-program openid; None for staff-only accounts and after withdrawal.
    openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: WeChat session_key from jscode2session: kept for decrypting user data, never returned.
    session_key: Mapped[str | None] = mapped_column(EncryptedString(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when the person withdrew; the row stays so anonymised records keep a key.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StaffAccount(Model):
    """A league staff member at a desk, bound to the region they answer for."""

    __tablename__ = "staff_accounts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(32))
    #: argon2id hash.
    password_hash: Mapped[str] = mapped_column(String(255))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    #: Base32 TOTP secret when two-factor login is on for this account.
    totp_secret: Mapped[str | None] = mapped_column(EncryptedString(255))
    #: The TOTP time step of the last code accepted: each code logs in once, and none older after it.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginFailure(Model):
    """Failed staff logins by the username tried, whether or not such an account exists: a name
    nobody has locks exactly like a real one, so the answers do not tell which names are real."""

    __tablename__ = "login_failures"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Secretary(Model):
    """A village league secretary (村团支部书记), appointed by county staff."""

    __tablename__ = "secretaries"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    village_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    appointed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    appointed_at: Mapped[datetime] = mapped_column(UTCDateTime)
