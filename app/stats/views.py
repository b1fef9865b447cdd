"""Serialising the query layer's overview as the API answers it."""

from app.stats.queries import Figures, Overview
from app.stats.schemas import FiguresOut, StatsOut


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
        }
    )
    return answer.model_dump(mode="json", by_alias=True)
