from flask import current_app
from flask_openapi3 import APIBlueprint, Tag

from app.accounts import operations
from app.accounts.models import User
from app.accounts.schemas import (
    LoginOut,
    SecretaryIn,
    SecretaryOut,
    SecretaryPath,
    StaffLoginIn,
    UserOut,
    WechatLoginIn,
)
from app.core import auth
from app.core.auth import login_required, require_principal
from app.core.schemas import BLUEPRINT_RESPONSES, ErrorOut
from app.core.transactions import reads_only
from app.extensions import limiter

api = APIBlueprint(
    "accounts",
    __name__,
    url_prefix="/api/v1",
    abp_tags=[Tag(name="accounts", description="登录与角色")],
    abp_responses=BLUEPRINT_RESPONSES,
)

BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


def _refused(answer) -> bool:
    """A code WeChat refused (guessed, replayed, expired): what the failure limit counts."""
    return answer.status_code == 401


@api.post("/auth/wechat-login", responses={200: LoginOut, 401: ErrorOut, 429: ErrorOut, 503: ErrorOut})
@limiter.limit(lambda: limiter_config("WECHAT_LOGIN_RATE_LIMIT"))
@limiter.limit(lambda: limiter_config("WECHAT_LOGIN_FAILURE_LIMIT"), deduct_when=_refused)
def wechat_login(body: WechatLoginIn):
    """小程序登录：用 wx.login 的 code 换取令牌。"""
    token, user = operations.wechat_login(body.code)
    return _login_out(token, user)


@api.post("/auth/staff-login", responses={200: LoginOut, 401: ErrorOut, 429: ErrorOut})
@limiter.limit(lambda: limiter_config("STAFF_LOGIN_RATE_LIMIT"))
def staff_login(body: StaffLoginIn):
    """工作人员登录；连续失败将锁定账号。"""
    token, user = operations.staff_login(body.username, body.password, body.totp)
    return _login_out(token, user)


def _login_out(token: str, user: User) -> dict:
    principal = operations.principal_of(user.id)
    # Someone who just logged in has not withdrawn: withdrawal clears the openid a WeChat login
    # finds users by, and staff accounts (no openid) cannot register as volunteers to withdraw.
    assert principal is not None
    return LoginOut(token=token, user=UserOut.of(principal)).model_dump()


@api.post("/auth/logout", responses={204: None}, security=BEARER)
@login_required()
def logout():
    """注销当前令牌。"""
    token = auth.bearer_token()
    assert token is not None  # login_required let the request in on this bearer token
    auth.revoke_token(token)
    return "", 204


@api.get("/me", responses={200: UserOut, 401: ErrorOut}, security=BEARER)
@reads_only
@login_required()
def me():
    return UserOut.of(require_principal()).model_dump()


@api.post("/secretaries", responses={201: SecretaryOut, 403: ErrorOut, 404: ErrorOut}, security=BEARER)
@login_required("staff")
def appoint_secretary(body: SecretaryIn):
    """任命村团支部书记（县级及以上工作人员，限本辖区的村）。"""
    secretary = operations.appoint_secretary(require_principal(), body.user_id, body.village)
    return SecretaryOut.model_validate(secretary).model_dump(mode="json"), 201


@api.delete("/secretaries/<int:user_id>", responses={204: None, 403: ErrorOut, 404: ErrorOut}, security=BEARER)
@login_required("staff")
def remove_secretary(path: SecretaryPath):
    operations.remove_secretary(require_principal(), path.user_id)
    return "", 204


def limiter_config(name: str) -> str:
    return current_app.config[name]
