"""Serialising the query layer's overview as the API answers it."""

from app.stats.programs import ProgramFigures
from app.stats.queries import Figures, Overview
from app.stats.schemas import FiguresOut, ProgramFiguresOut, StatsOut


def figures_out(figures: Figures) -> FiguresOut:
    return FiguresOut(
        volunteers=figures.volunteers,
        active_volunteers=figures.active_volunteers,
        hours=figures.hours,
        hours_month=figures.hours_month,
        hours_year=figures.hours_year,
        needs_posted=figures.needs_posted,
        needs_filled=figures.needs_filled,
        fill_rate=figures.fill_rate,
        slots=figures.slots,
        slots_taken=figures.slots_taken,
        sessions_held=figures.sessions_held,
        session_capacity=figures.session_capacity,
        session_signups=figures.session_signups,
        session_attendees=figures.session_attendees,
        attendance_rate=figures.attendance_rate,
        villagers=figures.villagers,
        villagers_poor=figures.villagers_poor,
    )


def program_out(row: ProgramFigures) -> ProgramFiguresOut:
    return ProgramFiguresOut(
        program_id=row.program_id,
        name=row.name,
        needs_posted=row.needs_posted,
        needs_filled=row.needs_filled,
        fill_rate=row.fill_rate,
        slots=row.slots,
        slots_taken=row.slots_taken,
        sessions_held=row.sessions_held,
        session_attendees=row.session_attendees,
        villagers=row.villagers,
        villagers_poor=row.villagers_poor,
        volunteers_served=row.volunteers_served,
        hours=row.hours,
    )


def stats_out(overview: Overview) -> dict:
    def region(row) -> dict:
        return {"code": row.code, "name": row.name, "level": row.level, "figures": figures_out(row.figures)}

    answer = StatsOut.model_validate(
        {
            "region": region(overview.region),
            "start": overview.period.start,
            "end": overview.period.end,
            "children": [region(row) for row in overview.children],
            "unassigned": None if overview.unassigned is None else figures_out(overview.unassigned),
            "areas": [{"area": a.area, "name": a.name, "figures": figures_out(a.figures)} for a in overview.areas],
            "programs": [program_out(row) for row in overview.programs],
        }
    )
    return answer.model_dump(mode="json", by_alias=True)
