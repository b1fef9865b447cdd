"""Signing in and out (the overview, 概览, is pages/overview.py)."""

from urllib.parse import urlsplit

from flask import current_app, flash, make_response, redirect, render_template, request, url_for

from app.console import signin
from app.console.blueprint import bp
from app.console.forms import LoginForm
from app.core.errors import AppError, TooManyRequests
from app.extensions import limiter


def _safe_next(target: str | None) -> str:
    """Only a path of the console itself (never another site) to go back to after signing in."""
    if target and target.startswith("/console/") and not urlsplit(target).netloc and "\\" not in target:
        return target
    return url_for("console.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["STAFF_LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    form = LoginForm()
    if request.method == "GET" and signin.current() is not None:
        return redirect(url_for("console.index"))
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("console/login.html", form=form, error=None), status
    try:
        signin.sign_in(form.username.data or "", form.password.data or "", form.totp.data or None)
    except AppError as error:
        response = make_response(render_template("console/login.html", form=form, error=error.message), error.status)
        if isinstance(error, TooManyRequests):
            response.headers["Retry-After"] = str(error.retry_after)
        return response
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
def logout():
    signin.sign_out()
    flash("已退出登录", "info")
    return redirect(url_for("console.login"))
