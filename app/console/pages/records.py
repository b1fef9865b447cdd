"""审计 and 志愿者: the audit trail with before and after side by side; volunteers found by name or number,
their phone masked; the whole number read through volunteers.unmask_phone (audited) and shown once."""

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from pydantic import ValidationError

from app.console import queries
from app.console.blueprint import bp, principal
from app.console.forms import NationalNoForm, UnmaskForm
from app.core.crypto import mask_phone
from app.core.errors import AppError
from app.core.schemas import field_errors
from app.volunteers import numbers
from app.volunteers import operations as volunteer_operations
from app.volunteers.schemas import NationalNoIn


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/audit")
def audit_trail():
    actor = request.args.get("actor", "").strip()
    wanted = queries.AuditFilter(
        object_type=request.args.get("object_type", "").strip() or None,
        object_id=request.args.get("object_id", "").strip()[:64] or None,
        actor_id=int(actor) if actor.isdigit() and len(actor) < 10 else None,
        day_from=_day("from"),
        day_to=_day("to"),
    )
    return render_template(
        "console/audit.html",
        rows=[
            (entry, username, queries.side_by_side(entry))
            for entry, username in queries.audit_trail(principal(), wanted)
        ],
        wanted=wanted,
        types=queries.object_types(principal()),
    )


@bp.get("/volunteers")
def volunteers():
    text = request.args.get("q", "")[:32]
    found = queries.search_volunteers(principal(), text)
    rows = [(volunteer, mask_phone(volunteer.phone)) for volunteer in found]
    return render_template(
        "console/volunteers.html",
        q=text,
        rows=rows,
        form=UnmaskForm(),
        number_form=NationalNoForm(formdata=None),
        rule=volunteer_operations.UNMASK_RULE,
    )


@bp.post("/volunteers/<int:volunteer_id>/phone")
def unmask_phone(volunteer_id: int):
    """The whole number on this page only (no redirect, no flash: nothing keeps it; the page is no-store)."""
    volunteer, phone = volunteer_operations.unmask_phone(principal(), volunteer_id)  # out of scope: 404
    return render_template(
        "console/volunteer_phone.html",
        volunteer=volunteer,
        phone=phone,
        q=request.args.get("q", "")[:32],
        rule=volunteer_operations.UNMASK_RULE,
    )


@bp.post("/volunteers/<int:volunteer_id>/national-no")
def set_national_no(volunteer_id: int):
    """志愿者统一编号, through volunteers.numbers (another county's volunteer: 404); empty clears it."""
    q = request.args.get("q", "")[:32]
    form = NationalNoForm()
    if not form.validate():
        flash("；".join(message for messages in form.errors.values() for message in messages), "error")
        return redirect(url_for("console.volunteers", q=q))
    numbers.in_scope(principal(), volunteer_id)  # out of scope: 404 before anything is judged
    try:
        body = NationalNoIn.model_validate({"national_no": (form.national_no.data or "").strip() or None})
        volunteer = numbers.set_national_no(principal(), volunteer_id, body.national_no)
    except ValidationError as problem:
        flash("；".join(field_errors(problem).values()), "error")
    except AppError as error:
        if error.status == 404:
            raise
        flash(error.message, "error")
    else:
        flash(f"已登记 {volunteer.name} 的志愿者统一编号：{volunteer.national_no or '（已清除）'}", "success")
    return redirect(url_for("console.volunteers", q=q))
