"""Logins (WeChat code, staff password), staff accounts and secretary appointments."""

from datetime import timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from pyotp.utils import strings_equal
from sqlalchemy import case, delete, or_, select, update

from app import wechat
from app.accounts.models import LoginFailure, Secretary, StaffAccount, User
from app.core import audit, auth, clock
from app.core.access import Principal, require_staff_over
from app.core.db import insert_ignoring_conflicts, rowcount
from app.core.errors import (
    AppError,
    Conflict,
    NotFound,
    ServiceUnavailable,
    TooManyRequests,
    Unauthenticated,
)
from app.extensions import db
from app.regions import operations as regions

passwords = PasswordHasher()


# --- who is calling ----------------------------------------------------------------------------


def _account_columns(user_id) -> dict:
    return {
        "user_exists": select(User.id.is_not(None)).where(User.id == user_id).scalar_subquery(),
        "withdrawn": select(User.withdrawn_at.is_not(None)).where(User.id == user_id).scalar_subquery(),
        "is_admin": select(User.is_admin).where(User.id == user_id).scalar_subquery(),
        "staff_region": select(StaffAccount.region_code).where(StaffAccount.user_id == user_id).scalar_subquery(),
        "secretary_village": select(Secretary.village_code).where(Secretary.user_id == user_id).scalar_subquery(),
    }


def _account_roles(row) -> dict | None:
    if not row.user_exists or row.withdrawn:
        return None
    roles = {"admin"} if row.is_admin else set()
    if row.staff_region:
        roles.add("staff")
    if row.secretary_village:
        roles.add("secretary")
    return {"roles": roles, "staff_region": row.staff_region, "secretary_village": row.secretary_village}


#: What an account confers (admin, staff, secretary); create_app hands it to core.auth.
ROLES = auth.RoleSource(_account_columns, _account_roles)


def roles_of(user_id: int) -> list[str]:
    principal = auth.build_principal(user_id)
    return sorted(principal.roles) if principal else []


def principal_of(user_id: int) -> Principal | None:
    """Who a user is now (roles, staff region, secretary's village), read in one statement: what a login answers."""
    return auth.build_principal(user_id)


# --- WeChat login ------------------------------------------------------------------------------


def wechat_login(code: str) -> tuple[str, User]:
    try:
        session = wechat.gateway().code_to_session(code)
    except wechat.WeChatCodeInvalid:
        raise Unauthenticated("登录凭证无效或已过期，请重新进入小程序", code="wechat_code_invalid") from None
    except wechat.WeChatRateLimited:
        raise TooManyRequests("登录过于频繁，请稍后再试", code="wechat_rate_limited") from None
    except wechat.WeChatError:
        raise ServiceUnavailable("微信服务暂时不可用，请稍后再试", code="wechat_unavailable") from None
    now = clock.now()
    user = db.session.scalar(select(User).where(User.openid == session.openid))
    if user is None:
        user = User(openid=session.openid, created_at=now)
        db.session.add(user)
        db.session.flush()
        audit.record("create", "user", user.id, after={"channel": "wechat"}, actor_id=user.id)
    user.session_key = session.session_key
    user.last_login_at = now
    token = auth.issue_token(user.id, "miniprogram", current_app.config["TOKEN_TTL_MINIPROGRAM"])
    return token, user


# --- staff -------------------------------------------------------------------------------------


def create_staff(
    username: str,
    password: str,
    region_code: str,
    *,
    display_name: str | None = None,
    admin: bool = False,
    with_totp: bool = False,
) -> StaffAccount:
    regions.get(region_code)
    if db.session.scalar(select(StaffAccount).where(StaffAccount.username == username)):
        raise Conflict(f"用户名 {username} 已存在", code="username_taken")
    if len(password) < 10:
        raise AppError("密码至少 10 个字符", code="weak_password", status=422)
    now = clock.now()
    user = User(is_admin=admin, created_at=now)
    db.session.add(user)
    db.session.flush()
    account = StaffAccount(
        user_id=user.id,
        username=username,
        display_name=display_name or username,
        password_hash=passwords.hash(password),
        region_code=region_code,
        totp_secret=pyotp.random_base32() if with_totp else None,
        created_at=now,
    )
    db.session.add(account)
    audit.record(
        "create",
        "staff_account",
        user.id,
        region_code=region_code,
        after={"username": username, "region": region_code, "admin": admin, "totp": with_totp},
    )
    return account


def staff_login(username: str, password: str, totp: str | None) -> tuple[str, User]:
    """One answer for an unknown name and a wrong password; lock-out by the name tried, real or not."""
    config = current_app.config
    now = clock.now()
    locked_until = db.session.scalar(select(LoginFailure.locked_until).where(LoginFailure.username == username))
    if locked_until and locked_until > now:
        minutes = max(1, int((locked_until - now).total_seconds() // 60) + 1)
        raise TooManyRequests(
            f"登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试",
            code="account_locked",
            retry_after=int((locked_until - now).total_seconds()) + 1,
        )
    account = db.session.scalar(select(StaffAccount).where(StaffAccount.username == username))
    if account is None:
        passwords.hash(password)  # spend the same time as a real check
    if account is None or not _password_ok(account, password) or not _totp_ok(account, totp, now):
        _count_failure(username, now)
        db.session.commit()  # the count must survive the error response's rollback
        raise Unauthenticated("用户名或密码错误", code="invalid_credentials")
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    user = db.session.get_one(User, account.user_id)  # the account's foreign key names this user
    user.last_login_at = now
    if passwords.check_needs_rehash(account.password_hash):
        account.password_hash = passwords.hash(password)
    return auth.issue_token(user.id, "staff", config["TOKEN_TTL_STAFF"]), user


def _count_failure(username: str, now) -> None:
    """One more failure for the name (a row made on the first); enough of them lock it for a while."""
    config = current_app.config
    db.session.execute(
        insert_ignoring_conflicts(LoginFailure).values(username=username, failures=0, last_failed_at=now)
    )
    failures = LoginFailure.failures + 1
    locks = failures >= config["STAFF_LOCKOUT_FAILURES"]
    db.session.execute(
        update(LoginFailure)
        .where(LoginFailure.username == username)
        .values(
            failures=case((locks, 0), else_=failures),
            locked_until=case((locks, now + timedelta(minutes=config["STAFF_LOCKOUT_MINUTES"])), else_=None),
            last_failed_at=now,
        )
        .execution_options(synchronize_session=False)
    )


def forget_old_login_failures(now=None) -> int:
    """Failures and lock-outs a day past are forgotten (the bot runs this; unknown names pile up otherwise)."""
    cutoff = (now or clock.now()) - timedelta(days=1)
    return rowcount(db.session.execute(delete(LoginFailure).where(LoginFailure.last_failed_at < cutoff)))


def _password_ok(account: StaffAccount, password: str) -> bool:
    try:
        return passwords.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _totp_ok(account: StaffAccount, code: str | None, now) -> bool:
    """The code of this time step or a neighbour (clocks drift), and never one used before: the
    step is claimed by a conditional UPDATE, so a code seen over a shoulder, or two logins racing
    with one code, get in at most once."""
    if not account.totp_secret:
        return True
    if not code:
        return False
    totp = pyotp.TOTP(account.totp_secret)
    current = totp.timecode(now)
    step = next((s for s in (current - 1, current, current + 1) if strings_equal(code, totp.generate_otp(s))), None)
    if step is None:
        return False
    claimed = db.session.execute(
        update(StaffAccount)
        .where(
            StaffAccount.user_id == account.user_id,
            or_(StaffAccount.totp_last_step.is_(None), StaffAccount.totp_last_step < step),
        )
        .values(totp_last_step=step)
        # Not a column any caller is read from: kept callers stay valid (core.principals).
        .execution_options(synchronize_session=False, principals_unaffected=True)
    )
    return rowcount(claimed) == 1


# --- secretaries -------------------------------------------------------------------------------


def appoint_secretary(principal: Principal, user_id: int, village_code: str) -> Secretary:
    village = regions.ensure_exists(village_code, field_name="village", levels=["village"])
    require_staff_over(principal, village.code, at_least="county")
    user = db.session.get(User, user_id)
    if user is None or user.withdrawn_at is not None or user.openid is None:
        raise NotFound("用户不存在或未通过小程序登录", code="user_not_found")
    now = clock.now()
    current = db.session.get(Secretary, user_id)
    if current is not None:
        # Moving a secretary between villages needs scope over the village they leave too.
        require_staff_over(principal, current.village_code, at_least="county")
        before = {"village": current.village_code}
        current.village_code, current.appointed_by, current.appointed_at = (
            village.code,
            principal.user_id,
            now,
        )
        audit.record(
            "update",
            "secretary",
            user_id,
            before=before,
            after={"village": village.code},
            region_code=village.code,
        )
        return current
    secretary = Secretary(user_id=user_id, village_code=village.code, appointed_by=principal.user_id, appointed_at=now)
    db.session.add(secretary)
    audit.record("create", "secretary", user_id, after={"village": village.code}, region_code=village.code)
    return secretary


def remove_secretary(principal: Principal, user_id: int) -> None:
    secretary = db.session.get(Secretary, user_id)
    if secretary is None or not principal.sees(secretary.village_code):
        # One answer for "no such secretary" and "a secretary outside your region".
        raise NotFound("该用户不是村团支部书记", code="secretary_not_found")
    require_staff_over(principal, secretary.village_code, at_least="county")
    audit.record(
        "delete",
        "secretary",
        user_id,
        before={"village": secretary.village_code},
        region_code=secretary.village_code,
    )
    db.session.delete(secretary)
