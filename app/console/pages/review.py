"""需求审核: needs awaiting review in the region, approved or rejected through needs.operations.review."""

from flask import flash, redirect, render_template, url_for
from pydantic import ValidationError

from app.activities import queries as activities
from app.console.blueprint import bp, principal
from app.console.forms import ReviewForm
from app.core.access import require_scope
from app.core.schemas import field_errors
from app.needs import operations as needs
from app.needs.schemas import ReviewIn


def _need_in_scope(need_id: int):
    need = activities.get("need", need_id, principal())
    require_scope(principal(), need.village_code)  # open needs are public; the console shows only its own
    return need


@bp.get("/needs/review")
def review_list():
    staff = principal()
    pending = activities.listing(
        "need",
        staff,
        region=None if staff.is_admin else staff.staff_region,
        status="pending_review",
        starts_from=None,
        starts_to=None,
        limit=200,
    )
    return render_template("console/review_list.html", needs=pending)


@bp.get("/needs/<int:need_id>")
def need_detail(need_id: int):
    return render_template("console/need.html", need=_need_in_scope(need_id), form=ReviewForm())


@bp.post("/needs/<int:need_id>/review")
def review(need_id: int):
    need = _need_in_scope(need_id)
    form = ReviewForm()
    if not form.validate():
        return render_template("console/need.html", need=need, form=form), 422
    reason = (form.reason.data or "").strip() or None
    try:
        verdict = ReviewIn.model_validate({"approve": form.decision.data == "approve", "reason": reason})
    except ValidationError as error:
        form.reason.errors = list(field_errors(error).values())
        return render_template("console/need.html", need=need, form=form), 422
    needs.review(principal(), need, approve=verdict.approve, reason=verdict.reason)
    flash(f"需求「{need.title}」已{'通过审核' if verdict.approve else '驳回'}", "success")
    return redirect(url_for("console.review_list"))
