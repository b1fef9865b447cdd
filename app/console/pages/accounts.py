"""账号: secretaries appointed and removed (accounts.operations); staff accounts created by admins."""

from flask import flash, redirect, render_template, url_for

from app.accounts import operations as accounts
from app.console import queries
from app.console.blueprint import bp, principal, region_in_scope, regions_in_reach
from app.console.forms import AppointForm, CancelForm, StaffForm
from app.core.errors import AppError, Forbidden
from app.regions import operations as regions


def _accounts_page(status: int = 200, *, error: str | None = None, created=None, **forms):
    staff = principal()
    page = render_template(
        "console/accounts.html",
        secretaries=queries.secretaries(staff),
        villages=queries.villages(staff),
        staff_accounts=queries.staff_accounts(staff) if staff.is_admin else [],
        regions=regions_in_reach(staff),
        appoint_form=forms.get("appoint_form") or AppointForm(formdata=None),
        staff_form=forms.get("staff_form") or StaffForm(formdata=None),
        remove_form=CancelForm(formdata=None),
        error=error,
        created=created,
    )
    return page, status


@bp.get("/accounts")
def accounts_page():
    return _accounts_page()


@bp.post("/accounts/secretaries")
def appoint_secretary():
    form = AppointForm()
    if not form.validate() or form.user_id.data is None:
        return _accounts_page(422, appoint_form=form)
    village = region_in_scope(principal(), form.village.data)
    try:
        accounts.appoint_secretary(principal(), form.user_id.data, village)
    except AppError as error:
        return _accounts_page(error.status, error=error.message, appoint_form=form)
    flash(f"已任命用户 {form.user_id.data} 为 {regions.get(village).name} 团支部书记", "success")
    return redirect(url_for("console.accounts_page"))


@bp.post("/accounts/secretaries/<int:user_id>/remove")
def remove_secretary(user_id: int):
    accounts.remove_secretary(principal(), user_id)  # another region's secretary: 404
    flash(f"已免去用户 {user_id} 的村团支部书记职务", "success")
    return redirect(url_for("console.accounts_page"))


@bp.post("/accounts/staff")
def create_staff():
    """Admins only (accounts.create_staff is the operators' operation and checks no caller)."""
    staff = principal()
    if not staff.is_admin:
        raise Forbidden("只有管理员可以创建工作人员账号")
    form = StaffForm()
    if not form.validate():
        return _accounts_page(422, staff_form=form)
    region = region_in_scope(staff, form.region.data)
    try:
        account = accounts.create_staff(
            form.username.data or "",
            form.password.data or "",
            region,
            display_name=form.display_name.data or None,
            with_totp=bool(form.totp.data),
        )
    except AppError as error:
        return _accounts_page(error.status, error=error.message, staff_form=form)
    # The TOTP secret is shown on this page once (never put in the cookie through a flash message).
    return _accounts_page(201, created=account)
