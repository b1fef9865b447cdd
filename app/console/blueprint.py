"""The console's blueprint and what every page shares: the sign-in guard, CSRF, headers, error pages,
the signed-in staff member and the region checks of forms."""

from flask import Blueprint, flash, g, make_response, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from app.console import signin
from app.console.forms import LoginForm, SignOutForm
from app.core import auth, clock
from app.core.access import Principal, require_scope
from app.core.errors import AppError, NotFound
from app.regions import operations as regions
from config.catalog import AREAS, SESSION_KINDS, SESSION_TOPICS

bp = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
csrf = CSRFProtect()

#: Pages anyone may open: the sign-in form and the style sheet.
PUBLIC_ENDPOINTS = {"console.login", "console.static"}


def local_time(moment) -> str:
    """A stored UTC moment as Shanxi reads it (the templates' `local` filter)."""
    return clock.local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def principal() -> Principal:
    return g.console_principal


@bp.before_request
def _guard() -> Response | None:
    """Every form is CSRF-checked before anything else; every page but sign-in needs a signed-in staff member."""
    if request.method == "POST":
        csrf.protect()
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    staff = signin.current()
    if staff is None:
        had_session = signin.SESSION_KEY in session
        session.clear()
        if had_session:
            flash("登录已超时或已退出，请重新登录", "warning")
        return redirect(
            url_for("console.login", next=request.full_path.rstrip("?") if request.method == "GET" else None)
        )
    auth.act_as(staff)  # the audit trail names who acted
    g.console_principal = staff
    return None


#: Staff pages hold personal data and change things: never framed, cached or fed scripts from elsewhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    if request.endpoint != "console.static":
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.context_processor
def _layout() -> dict:
    staff = g.get("console_principal")
    return {
        "staff": staff,
        "staff_region": regions.get(staff.staff_region) if staff and staff.staff_region else None,
        "sign_out_form": SignOutForm(),
        "areas": AREAS,
        "kinds": SESSION_KINDS,
        "topics": SESSION_TOPICS,
    }


# --- errors: pages, not JSON -------------------------------------------------------------------


@bp.errorhandler(CSRFError)
def _csrf_error(error: CSRFError):
    return render_template(
        "console/error.html", title="安全校验失败", message="表单已失效或缺少安全校验码，请刷新页面后重新提交。"
    ), 400


@bp.errorhandler(AppError)
def _app_error(error: AppError):
    if isinstance(error, NotFound):
        return _not_found(error)
    return render_template(
        "console/error.html", title="无法完成操作", message=error.message, fields=error.fields
    ), error.status


@bp.errorhandler(404)
def _not_found(error):
    return render_template(
        "console/error.html", title="页面不存在", message="你要找的内容不存在，或不在你的辖区内。"
    ), 404


@bp.errorhandler(429)
def _too_many(error: HTTPException):
    """The sign-in form's rate limit (STAFF_LOGIN_RATE_LIMIT, as at POST /auth/staff-login)."""
    response = make_response(
        render_template("console/login.html", form=LoginForm(), error="请求过于频繁，请稍后再试"), 429
    )
    for name, value in error.get_headers():
        if name.lower() == "retry-after":
            response.headers[name] = value
    return response


# --- regions from forms ------------------------------------------------------------------------


def regions_in_reach(staff: Principal) -> list:
    """What a round or a broadcast can cover: the staff member's region and the regions directly below it."""
    if staff.staff_region is None:
        return []
    own = regions.get(staff.staff_region)
    below = regions.children(own.code) if own.level in ("province", "city") else []
    return [own, *below]


def region_in_scope(staff: Principal, code: str | None) -> str:
    """A region code from a form: another county's (or no real code at all) is as if it did not exist."""
    code = code or ""
    if not code.isdigit() or len(code) not in (6, 9, 12):
        raise NotFound()
    require_scope(staff, code)
    return code
