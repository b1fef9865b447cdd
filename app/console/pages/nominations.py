"""青年先锋: nominations of the region's counties reviewed (county first, then province) through
recognition.operations, a county's staff nominating, and the published list."""

from flask import flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from pydantic import ValidationError
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import Length, Optional

from app.console.blueprint import bp, principal
from app.core.errors import AppError
from app.core.schemas import field_errors
from app.recognition import operations as recognition
from app.recognition import rankings
from app.recognition.schemas import NominationIn, NominationReviewIn


class NominateForm(FlaskForm):
    volunteer_no = StringField("志愿者编号", validators=[Length(max=20)])
    story = TextAreaField("先进事迹", validators=[Length(max=2000)])


class NominationReviewForm(FlaskForm):
    decision = SelectField("审核结果", choices=[SelectChoice("approve", "通过"), SelectChoice("reject", "不通过")])
    reason = StringField("不通过的原因", validators=[Optional(), Length(max=200)])


def _problem(error: AppError | ValidationError) -> str:
    if isinstance(error, ValidationError):
        return "；".join(field_errors(error).values())
    return error.message + "".join(f"（{message}）" for message in error.fields.values())


@bp.get("/pioneers")
def nominations_page():
    staff = principal()
    return render_template(
        "console/nominations.html",
        rows=recognition.listing(staff),
        published=rankings.pioneers(),
        nominate_form=NominateForm(formdata=None),
        review_form=NominationReviewForm(formdata=None),
        honour=recognition.HONOUR,
        display_name=recognition.display_name,
    )


@bp.post("/pioneers/nominations")
def nominate_pioneer():
    form = NominateForm()
    try:
        asked = NominationIn.model_validate(
            {"volunteer_no": form.volunteer_no.data or "", "story": form.story.data or ""}
        )
        recognition.nominate(principal(), asked.volunteer_no, asked.story)
    except (AppError, ValidationError) as error:
        flash(f"推荐未提交：{_problem(error)}", "error")
    else:
        flash("推荐已提交，等待县级团委审核", "success")
    return redirect(url_for("console.nominations_page"))


@bp.post("/pioneers/nominations/<int:nomination_id>/review")
def review_pioneer(nomination_id: int):
    form = NominationReviewForm()
    recognition.get(principal(), nomination_id)  # another region's: 404
    try:
        asked = NominationReviewIn.model_validate(
            {"approve": form.decision.data == "approve", "reason": (form.reason.data or "").strip() or None}
        )
        nomination = recognition.review(principal(), nomination_id, approve=asked.approve, reason=asked.reason)
    except (AppError, ValidationError) as error:
        flash(f"审核未完成：{_problem(error)}", "error")
    else:
        verdict = {"county_approved": "县级审核通过", "published": "已发布", "rejected": "未通过"}[nomination.status]
        flash(f"推荐 #{nomination_id}：{verdict}", "success")
    return redirect(url_for("console.nominations_page"))
