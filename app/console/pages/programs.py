"""项目: the league's programs (app/programs) — listed for every staff member; city and province staff add,
rename and retire them through the same operations as POST/PATCH /api/v1/programs."""

from flask import flash, redirect, render_template, url_for
from pydantic import ValidationError

from app.console.blueprint import bp, principal
from app.console.forms import CancelForm, ProgramForm
from app.core.access import LEVEL_PREFIX, level_of
from app.core.errors import AppError
from app.core.schemas import field_errors
from app.programs import operations as programs
from app.programs.schemas import ProgramIn


def _keeper() -> bool:
    staff = principal()
    if staff.is_admin:
        return True
    if not staff.staff_region:
        return False
    order = list(LEVEL_PREFIX)
    return order.index(level_of(staff.staff_region)) <= order.index(programs.KEEPERS_LEVEL)


def _page(status: int = 200, *, form: ProgramForm | None = None, error: str | None = None):
    return render_template(
        "console/programs.html",
        programs=programs.listing(include_retired=True),
        keeper=_keeper(),
        form=form or ProgramForm(formdata=None),
        toggle_form=CancelForm(formdata=None),
        error=error,
    ), status


@bp.get("/programs")
def programs_page():
    return _page()


@bp.post("/programs")
def create_program():
    form = ProgramForm()
    if not form.validate():
        return _page(422, form=form)
    try:
        body = ProgramIn.model_validate({"name": form.name.data or "", "description": form.description.data or ""})
    except ValidationError as problem:
        return _page(422, form=form, error="；".join(field_errors(problem).values()))
    try:
        program = programs.create(principal(), body.name, body.description)
    except AppError as error:
        return _page(error.status, form=form, error=error.message)
    flash(f"已新增项目「{program.name}」", "success")
    return redirect(url_for("console.programs_page"))


@bp.post("/programs/<int:program_id>/toggle")
def toggle_program(program_id: int):
    """停用 or 启用 (programs.update checks who may)."""
    current = programs.get(program_id)  # a made-up id: 404
    program = programs.update(principal(), program_id, {"active": not current.active})
    flash(f"已{'启用' if program.active else '停用'}项目「{program.name}」", "success")
    return redirect(url_for("console.programs_page"))
