"""考核: the yearly assessment sheet of a region (app.assessment.sheet) with its xlsx, the targets staff above set,
the region's own self-check, and spot checks drawn and verified one by one (app.assessment.spot_checks)."""

from datetime import date

from flask import Response, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from pydantic import ValidationError
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import Length, Optional

from app.assessment import self_checks as self_checking
from app.assessment import sheet, spot_checks, targets, workbook
from app.assessment.models import TARGET_FIELDS
from app.assessment.schemas import ItemIn, SelfCheckIn, SpotCheckIn, TargetsIn
from app.console.blueprint import bp, principal
from app.console.pages.overview import _asked_region, _path
from app.core import clock
from app.core.crypto import mask_name
from app.core.errors import AppError
from app.core.schemas import FIRST_YEAR, LAST_YEAR, field_errors
from app.stats import queries as stats


class DrawForm(FlaskForm):
    region = StringField("区划", validators=[Length(max=12)])
    start = StringField("从", validators=[Length(max=10)])
    end = StringField("到", validators=[Length(max=10)])
    share = StringField("抽取比例（%）", validators=[Optional(), Length(max=8)])
    size = StringField("或抽取条数", validators=[Optional(), Length(max=8)])


class VerifyForm(FlaskForm):
    result = SelectField(
        "核查结果", choices=[SelectChoice("confirmed", "核实无误"), SelectChoice("discrepancy", "发现问题")]
    )
    note = StringField("说明", validators=[Optional(), Length(max=190)])
    hours = StringField("核实的时长（小时）", validators=[Optional(), Length(max=6)])


class SelfCheckForm(FlaskForm):
    findings = TextAreaField("自查发现与整改情况", validators=[Length(max=2000)])


class TargetsForm(FlaskForm):
    """Nothing but the CSRF token: the figures' inputs are named as TargetsIn's fields."""


def _year() -> int:
    asked = request.args.get("year", "")
    year = int(asked) if asked.isdigit() and len(asked) == 4 else clock.local(clock.now()).year
    return min(max(year, FIRST_YEAR), LAST_YEAR)


def _number(text: str | None) -> float | int | str | None:
    """A number typed in a form as JSON would carry it (anything else goes on as text, for the schema to refuse)."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def _errors(error: ValidationError) -> str:
    return "；".join(f"{name}：{message}" for name, message in field_errors(error).items())


@bp.get("/assessment")
def assessment():
    staff, year = principal(), _year()
    region = _asked_region(staff)
    built = sheet.build(staff, region.code, year) if region is not None else None
    checks = spot_checks.listing(staff, limit=50)
    return render_template(
        "console/assessment.html",
        sheet=built,
        year=year,
        path=_path(staff, region) if region is not None else [],
        checks=[(check, spot_checks.results_of(check)) for check in checks],
        may_set_targets=region is not None and targets.may_set(staff, region.code),
        own_region=region is not None and (staff.is_admin or staff.staff_region == region.code),
        target_fields=TARGET_FIELDS,
        draw_form=DrawForm(formdata=None),
        self_check_form=SelfCheckForm(formdata=None),
        targets_form=TargetsForm(formdata=None),
        today=clock.local(clock.now()).date(),
    )


@bp.get("/assessment/sheet.xlsx")
def assessment_xlsx():
    region = _asked_region(principal())
    if region is None:
        return redirect(url_for("console.assessment"))
    built = sheet.build(principal(), region.code, _year())
    return Response(
        workbook.render(built),
        mimetype=workbook.XLSX,
        headers={"Content-Disposition": f'attachment; filename="{workbook.filename(built)}"'},
    )


def _back(region: str | None, year: int | str | None = None):
    return redirect(url_for("console.assessment", region=region or None, year=year or None))


@bp.post("/assessment/targets")
def assessment_targets():
    region, year = request.form.get("region", ""), request.form.get("year", "")
    body = {
        "region": region,
        "year": _number(year),
        **{name: _number(request.form.get(name)) for name in TARGET_FIELDS},
    }
    fill_rate = body.get("fill_rate")
    if isinstance(fill_rate, int | float):
        body["fill_rate"] = float(fill_rate) / 100  # typed as a percentage
    try:
        asked = TargetsIn.model_validate(body)
        targets.set_targets(principal(), asked.region, asked.year, asked.model_dump(exclude={"region", "year"}))
    except ValidationError as error:
        flash(f"考核目标有误：{_errors(error)}", "error")
    except AppError as error:
        flash(error.message, "error")
    else:
        flash("考核目标已保存", "success")
    return _back(region, year)


@bp.post("/assessment/self-check")
def assessment_self_check():
    form = SelfCheckForm()
    region, year = request.form.get("region", ""), request.form.get("year", "")
    try:
        start, end = date(int(year), 1, 1), date(int(year), 12, 31)
        asked = SelfCheckIn.model_validate(
            {"region": region, "from": start.isoformat(), "to": end.isoformat(), "findings": form.findings.data or ""}
        )
        self_checking.mark_done(principal(), asked.region, stats.period(asked.start, asked.end), asked.findings)
    except (ValueError, ValidationError) as error:
        flash(f"自查内容有误：{_errors(error) if isinstance(error, ValidationError) else '年度无效'}", "error")
    except AppError as error:
        flash(error.message + "".join(f"（{m}）" for m in error.fields.values()), "error")
    else:
        flash(f"{year} 年度自查已标记完成", "success")
    return _back(region, year)


@bp.post("/assessment/spot-checks")
def draw_spot_check():
    form = DrawForm()
    share = _number(form.share.data)
    body = {
        "region": form.region.data or None,
        "from": form.start.data or None,
        "to": form.end.data or None,
        "share": float(share) / 100 if isinstance(share, int | float) else share,
        "size": _number(form.size.data) if share is None else None,
    }
    try:
        asked = SpotCheckIn.model_validate(body)
        check = spot_checks.draw(
            principal(), asked.region, stats.period(asked.start, asked.end), size=asked.size, share=asked.share
        )
    except ValidationError as error:
        flash(f"抽查条件有误：{_errors(error)}", "error")
        return _back(form.region.data)
    except AppError as error:
        flash(error.message + "".join(f"（{m}）" for m in error.fields.values()), "error")
        return _back(form.region.data)
    flash(f"已从 {check.population} 条记录中抽取 {check.size} 条", "success")
    return redirect(url_for("console.spot_check_detail", check_id=check.id))


@bp.get("/assessment/spot-checks/<int:check_id>")
def spot_check_detail(check_id: int):
    check = spot_checks.get(principal(), check_id)  # another region's: 404
    return render_template(
        "console/spot_check.html",
        check=check,
        rows=spot_checks.items(check),
        results=spot_checks.results_of(check),
        form=VerifyForm(formdata=None),
        mask_name=mask_name,
    )


@bp.post("/assessment/spot-checks/<int:check_id>/items/<int:record_id>")
def verify_spot_check_item(check_id: int, record_id: int):
    form = VerifyForm()
    spot_checks.get(principal(), check_id)  # another region's: 404 before anything else
    try:
        asked = ItemIn.model_validate(
            {
                "result": form.result.data,
                "note": (form.note.data or "").strip() or None,
                "hours": _number(form.hours.data),
            }
        )
        spot_checks.verify(principal(), check_id, record_id, result=asked.result, note=asked.note, hours=asked.hours)
    except ValidationError as error:
        flash(f"核查结果有误：{_errors(error)}", "error")
    except AppError as error:
        flash(error.message + "".join(f"（{m}）" for m in error.fields.values()), "error")
    else:
        flash(f"记录 {record_id} 已核查", "success")
    return redirect(url_for("console.spot_check_detail", check_id=check_id))
