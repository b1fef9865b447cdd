"""Keeping the list of programs: city and province staff add, rename and retire them; anyone reads it.
Needs and sessions name a program by id, checked here (``usable``)."""

from sqlalchemy import select

from app.core import audit, clock
from app.core.access import Principal, require_staff_over
from app.core.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.programs.models import USUAL_PROGRAMS, Program

#: Programs are the league's, not one county's: staff of a city or the province keep the list.
KEEPERS_LEVEL = "city"


def listing(*, include_retired: bool = False) -> list[Program]:
    query = select(Program).order_by(Program.id)
    if not include_retired:
        query = query.where(Program.active.is_(True))
    return list(db.session.scalars(query))


def get(program_id: int) -> Program:
    program = db.session.get(Program, program_id)
    if program is None:
        raise NotFound("项目不存在", code="program_not_found")
    return program


def usable(program_id: int | None, *, field_name: str = "program_id") -> int | None:
    """The id of a program a need or session may join now (None stays None); 422 naming the field otherwise."""
    if program_id is None:
        return None
    program = db.session.get(Program, program_id)
    if program is None or not program.active:
        raise InvalidInput(fields={field_name: "项目不存在或已停用"})
    return program.id


def _require_keeper(principal: Principal) -> None:
    # The province's code covers every city and county: at least city level is what is asked.
    require_staff_over(principal, principal.staff_region or "140000", at_least=KEEPERS_LEVEL)


def _require_unique(name: str, program_id: int | None = None) -> None:
    clash = db.session.scalar(select(Program.id).where(Program.name == name))
    if clash is not None and clash != program_id:
        raise Conflict("已有同名项目", code="program_exists", fields={"name": "已有同名项目"})


def create(principal: Principal, name: str, description: str) -> Program:
    _require_keeper(principal)
    _require_unique(name)
    now = clock.now()
    program = Program(
        name=name, description=description, active=True, created_by=principal.user_id, created_at=now, updated_at=now
    )
    db.session.add(program)
    db.session.flush()
    audit.record("create", "program", program.id, after=program.snapshot())
    return program


def update(principal: Principal, program_id: int, changes: dict) -> Program:
    _require_keeper(principal)
    program = get(program_id)
    changes = {key: value for key, value in changes.items() if value is not None}
    if "name" in changes:
        _require_unique(changes["name"], program.id)
    before = program.snapshot()
    for key, value in changes.items():
        setattr(program, key, value)
    old, new = audit.changed(before, program.snapshot())
    if new:
        program.updated_at = clock.now()
        db.session.flush()
        audit.record("update", "program", program.id, before=old, after=new)
    return program


def ensure_usual() -> int:
    """The usual programs (USUAL_PROGRAMS) where missing, as the migration seeded them; how many were added."""
    present = set(db.session.scalars(select(Program.name)))
    now = clock.now()
    missing = [
        Program(name=name, description=description, active=True, created_at=now, updated_at=now)
        for name, description in USUAL_PROGRAMS
        if name not in present
    ]
    db.session.add_all(missing)
    db.session.flush()
    return len(missing)
