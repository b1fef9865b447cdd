"""Serialising the query layer's overview as the API answers it."""

from app.stats.programs import ProgramFigures
from app.stats.queries import Figures, Overview
from app.stats.schemas import FiguresOut, ProgramFiguresOut, StatsOut


def figures_out(figures: Figures) -> FiguresOut:
    """Every field the answer documents, read by name (hours and rates are the dataclass' properties)."""
    return FiguresOut.model_validate({name: getattr(figures, name) for name in FiguresOut.model_fields})


def program_out(row: ProgramFigures) -> ProgramFiguresOut:
    return ProgramFiguresOut.model_validate({name: getattr(row, name) for name in ProgramFiguresOut.model_fields})


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
