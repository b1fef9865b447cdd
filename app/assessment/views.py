"""What the supervision API answers, built from what the operations return. Nothing here queries but
spot_check_out(with_items=True), which reads the drawn records through spot_checks.items."""

from app.assessment import spot_checks
from app.assessment.models import AssessmentTarget, SelfCheck, SpotCheck
from app.assessment.schemas import (
    ChildOut,
    ItemOut,
    RelayOut,
    ResultsOut,
    SelfCheckOut,
    SheetLineOut,
    SheetOut,
    SpotCheckOut,
    TargetsOut,
    VolunteerBriefOut,
)
from app.assessment.sheet import AssessmentSheet
from app.core.crypto import mask_name
from app.stats.views import figures_out, program_out


def _hours(minutes: int | None) -> float | None:
    return None if minutes is None else minutes / 60


def results_out(results: spot_checks.Results) -> ResultsOut:
    return ResultsOut(
        drawn=results.drawn,
        confirmed=results.confirmed,
        discrepancies=results.discrepancies,
        corrected=results.corrected,
        pending=results.pending,
    )


def item_out(row: spot_checks.ItemRow) -> ItemOut:
    return ItemOut(
        record_id=row.record.id,
        position=row.item.position,
        result=row.item.result,
        note=row.item.note,
        hours=_hours(row.record.confirmed_minutes),
        hours_before=_hours(row.item.minutes_before),
        activity_id=row.activity.id,
        activity_title=row.activity.title,
        village_code=row.activity.village_code,
        checked_in_at=row.record.checked_in_at,
        volunteer=VolunteerBriefOut(volunteer_no=row.volunteer.volunteer_no, name=mask_name(row.volunteer.name) or ""),
        verified_at=row.item.verified_at,
    )


def spot_check_out(check: SpotCheck, *, with_items: bool = False) -> dict:
    return SpotCheckOut(
        id=check.id,
        region=check.region_code,
        start=check.period_start,
        end=check.period_end,
        seed=check.seed,
        population=check.population,
        size=check.size,
        share=check.share,
        drawn_at=check.drawn_at,
        status=check.status,
        completed_at=check.completed_at,
        results=results_out(spot_checks.results_of(check)),
        items=[item_out(row) for row in spot_checks.items(check)] if with_items else None,
    ).model_dump(mode="json", by_alias=True)


def self_check_out(check: SelfCheck) -> SelfCheckOut:
    return SelfCheckOut(
        id=check.id,
        region=check.region_code,
        start=check.period_start,
        end=check.period_end,
        findings=check.findings,
        done_at=check.done_at,
    )


def targets_out(target: AssessmentTarget) -> dict:
    return TargetsOut.model_validate(
        {
            **{name: getattr(target, name) for name in TargetsOut.model_fields if name != "region"},
            "region": target.region_code,
        }
    ).model_dump(mode="json")


def sheet_out(sheet: AssessmentSheet) -> dict:
    return SheetOut(
        region=sheet.region.code,
        name=sheet.region.name,
        level=sheet.region.level,
        year=sheet.year,
        start=sheet.period.start,
        end=sheet.period.end,
        figures=figures_out(sheet.figures),
        lines=[
            SheetLineOut(key=line.key, label=line.label, value=line.value, target=line.target, met=line.met)
            for line in sheet.lines
        ],
        relay=RelayOut(weeks=sheet.relay.weeks, covered=sheet.relay.covered, gaps=sheet.relay.gaps),
        spot_checks=results_out(sheet.spot_checks),
        self_check_done=sheet.self_check_done,
        self_checks=[self_check_out(check) for check in sheet.self_checks],
        children=[
            ChildOut(code=row.code, name=row.name, level=row.level, figures=figures_out(row.figures))
            for row in sheet.children
        ],
        villagers_reached=sheet.villagers_reached,
        villagers_poor=sheet.villagers_poor,
        programs=[program_out(row) for row in sheet.programs],
    ).model_dump(mode="json", by_alias=True)
