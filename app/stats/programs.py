"""The statistics of a region per league program (项目): what its villages organised under each program.

A program row counts by the organiser's village, as the needs and sessions figures do (the region
rows count service by the volunteer's home instead, so a program's hours need not add up to the
region's): the needs posted and filled, the sessions held and who came, the villagers reached, and
the confirmed service of those activities checked in within the period, with the volunteers who
gave it. Only programs with something in the period get a row; activities of no program get none.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.activities.models import Activity
from app.attendance.models import ServiceRecord
from app.extensions import db
from app.programs.models import Program
from app.stats.scope import Period, activity_figures, in_scope


@dataclass
class ProgramFigures:
    program_id: int
    name: str
    needs_posted: int = 0
    needs_filled: int = 0
    slots: int = 0
    slots_taken: int = 0
    sessions_held: int = 0
    session_capacity: int = 0
    session_signups: int = 0
    session_attendees: int = 0
    villagers: int = 0
    villagers_poor: int = 0
    #: Distinct volunteers with a confirmed record of the program's activities in the period.
    volunteers_served: int = 0
    minutes: int = 0

    @property
    def hours(self) -> float:
        return self.minutes / 60

    @property
    def fill_rate(self) -> float | None:
        return round(self.needs_filled / self.needs_posted, 4) if self.needs_posted else None


def by_program(prefix: str, span: Period, now: datetime) -> list[ProgramFigures]:
    """One row per program, ordered by program id (the league's usual programs first, as seeded)."""
    program = Activity.program_id.is_not(None)
    figures, where = activity_figures(span, prefix, now)
    queries = (
        select(Activity.program_id, *figures).where(where, program).group_by(Activity.program_id),
        select(
            Activity.program_id,
            func.count(func.distinct(ServiceRecord.volunteer_id)).label("volunteers_served"),
            func.sum(ServiceRecord.confirmed_minutes).label("minutes"),
        )
        .join(ServiceRecord, ServiceRecord.activity_id == Activity.id)
        .where(
            program,
            in_scope(Activity.village_code, prefix),
            ServiceRecord.status == "confirmed",
            ServiceRecord.checked_in_at >= span.starts_at,
            ServiceRecord.checked_in_at < span.ends_at,
        )
        .group_by(Activity.program_id),
    )
    rows: dict[int, dict[str, int]] = {}
    for query in queries:
        for row in db.session.execute(query):
            values = row._asdict()
            rows.setdefault(values.pop("program_id"), {}).update({k: int(v or 0) for k, v in values.items()})
    if not rows:
        return []
    names = {
        key: name
        for key, name in db.session.execute(select(Program.id, Program.name).where(Program.id.in_(list(rows))))
    }
    return [ProgramFigures(key, names.get(key, ""), **rows[key]) for key in sorted(rows)]
