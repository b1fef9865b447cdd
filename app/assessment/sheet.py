"""The yearly assessment sheet (年度考核表) of a county, a city or the province.

Its statistics are app.stats.queries.overview's for the region and the calendar year (1 January to 31 December,
China dates), the very figures GET /api/v1/stats answers for the same region and dates; beside them the relay
weeks of the year, what spot checks found of the year's records, whether the region did its self-check, and
the targets staff above set for it.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, select

from app.activities.models import Activity
from app.assessment import self_checks, spot_checks, targets
from app.assessment.models import AssessmentTarget, SelfCheck
from app.core import clock
from app.core.access import Principal, scope_prefix
from app.dispatch.relay import NOT_WEEKS
from app.extensions import db
from app.regions.models import Region
from app.stats import queries as stats
from app.stats.programs import ProgramFigures


@dataclass
class RelayWeeks:
    """扶贫接力 weeks of the year that have begun, and those covered (every seat taken by a confirmed sign-up)."""

    weeks: int = 0
    covered: int = 0

    @property
    def gaps(self) -> int:
        return self.weeks - self.covered


@dataclass
class SheetLine:
    """One figure of the sheet against its target (None: no target set)."""

    key: str
    label: str
    value: float | int | None
    target: float | int | None = None

    @property
    def met(self) -> bool | None:
        if self.target is None or self.value is None:
            return None
        return self.value >= self.target


@dataclass
class AssessmentSheet:
    region: Region
    year: int
    period: stats.Period
    #: stats.overview(region, period): `figures` is its region row, `children` its child rows.
    figures: stats.Figures
    children: list[stats.RegionFigures]
    relay: RelayWeeks
    spot_checks: spot_checks.Results
    self_checks: list[SelfCheck]
    target: AssessmentTarget | None
    #: One row per league program (项目) the region's activities of the year belonged to, as GET /stats.
    programs: list[ProgramFigures] = field(default_factory=list)

    @property
    def villagers_reached(self) -> int:
        """Villagers who took part (the counts secretaries entered when confirming)."""
        return self.figures.villagers

    @property
    def villagers_poor(self) -> int:
        return self.figures.villagers_poor

    @property
    def self_check_done(self) -> bool:
        return bool(self.self_checks)

    @property
    def lines(self) -> list[SheetLine]:
        f, goal = self.figures, self.target

        def line(key: str, label: str, value: float | int | None) -> SheetLine:
            return SheetLine(key, label, value, getattr(goal, key, None) if goal is not None else None)

        return [
            line("volunteers", "注册志愿者（人）", f.volunteers),
            line("active_volunteers", "活跃志愿者（人）", f.active_volunteers),
            line("hours", "服务时长（小时）", f.hours),
            line("needs_posted", "发布需求（项）", f.needs_posted),
            line("needs_filled", "报满需求（项）", f.needs_filled),
            line("fill_rate", "报满率", f.fill_rate),
            line("relay_weeks_covered", "扶贫接力在岗周数", self.relay.covered),
            line("sessions_held", "夜校和讲习所场次", f.sessions_held),
            line("villagers_reached", "服务村民（人次）", self.villagers_reached),
        ]


def year_period(year: int) -> stats.Period:
    return stats.period(date(year, 1, 1), date(year, 12, 31))


def build(principal: Principal, region_code: str | None, year: int) -> AssessmentSheet:
    """The sheet of a region in the caller's scope (staff; another region 403 out_of_scope, as GET /stats)."""
    region = stats.region_for(principal, region_code)
    span = year_period(year)
    overview = stats.overview(region, span)
    prefix = scope_prefix(region.code)
    return AssessmentSheet(
        region=region,
        year=year,
        period=span,
        figures=overview.region.figures,
        children=overview.children,
        relay=relay_weeks(prefix, span),
        spot_checks=spot_checks.results_in(prefix, span),
        self_checks=self_checks.of_region(region.code, span),
        target=targets.of(region.code, year),
        programs=overview.programs,
    )


def relay_weeks(prefix: str, span: stats.Period) -> RelayWeeks:
    """Relay occurrences in the region's villages that began within the period (and before now), counted as
    app.dispatch.relay.coverage counts weeks: cancelled or rejected ones are no weeks; covered when confirmed
    sign-ups (activities.taken) fill every seat."""
    row = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((Activity.taken >= Activity.capacity, 1), else_=0)), 0),
        ).where(
            Activity.type == "need",
            Activity.relay.is_(True),
            Activity.status.not_in(NOT_WEEKS),
            Activity.starts_at >= span.starts_at,
            Activity.starts_at < min(span.ends_at, clock.now()),
            Activity.village_code.like(prefix + "%"),
        )
    ).one()
    return RelayWeeks(int(row[0]), int(row[1]))
