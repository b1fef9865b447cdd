from flask import Response
from flask_openapi3 import APIBlueprint, Tag

from app.assessment import self_checks, sheet, spot_checks, targets, views, workbook
from app.assessment.schemas import (
    ItemIn,
    ItemOut,
    ItemPath,
    SelfCheckIn,
    SelfCheckList,
    SelfCheckOut,
    SelfCheckQuery,
    SheetOut,
    SheetQuery,
    SpotCheckIn,
    SpotCheckList,
    SpotCheckOut,
    SpotCheckPath,
    SpotCheckQuery,
    TargetsIn,
    TargetsOut,
)
from app.core.auth import login_required, require_principal
from app.core.schemas import BLUEPRINT_RESPONSES, ErrorOut
from app.exports.schemas import XLSX_RESPONSE
from app.stats import queries as stats

api = APIBlueprint(
    "assessment",
    __name__,
    url_prefix="/api/v1",
    abp_tags=[Tag(name="assessment", description="督导考核：抽查、自查、考核目标与年度考核表")],
    abp_responses=BLUEPRINT_RESPONSES,
)
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


@api.post("/spot-checks", responses={201: SpotCheckOut, 403: ErrorOut, 409: ErrorOut}, security=BEARER)
@login_required("staff")
def draw_spot_check(body: SpotCheckIn):
    """抽查：在本人辖区（或其下级区划）期间内已确认的服务记录中随机抽取（条数或比例），每条记录被抽中的概率相同。

    种子、候选记录数和抽中的记录都记录下来，可据此复现；辖区外 403 out_of_scope；没有记录 409 no_records。
    """
    span = stats.period(body.start, body.end)
    check = spot_checks.draw(require_principal(), body.region, span, size=body.size, share=body.share)
    return views.spot_check_out(check, with_items=True), 201


@api.get("/spot-checks", responses={200: SpotCheckList}, security=BEARER)
@login_required("staff")
def list_spot_checks(query: SpotCheckQuery):
    """辖区内的抽查，新的在前。"""
    checks = spot_checks.listing(require_principal(), limit=query.limit)
    return {"items": [views.spot_check_out(check) for check in checks]}


@api.get("/spot-checks/<int:id>", responses={200: SpotCheckOut, 404: ErrorOut}, security=BEARER)
@login_required("staff")
def get_spot_check(path: SpotCheckPath):
    """一次抽查及其抽中的记录；辖区外视为不存在（404）。"""
    return views.spot_check_out(spot_checks.get(require_principal(), path.id), with_items=True)


@api.post(
    "/spot-checks/<int:id>/items/<int:record_id>",
    responses={200: ItemOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 503: ErrorOut},
    security=BEARER,
)
@login_required("staff")
def verify_item(path: ItemPath, body: ItemIn):
    """核查一条抽中的记录：核实无误，或发现问题（须说明）；发现时长不符时给出核实的时长，记录随即按此更正
    （与组织者更正相同的规则：审计、通知志愿者）。已核查 409 already_verified。"""
    principal = require_principal()
    spot_checks.verify(principal, path.id, path.record_id, result=body.result, note=body.note, hours=body.hours)
    check = spot_checks.get(principal, path.id)
    row = next(row for row in spot_checks.items(check) if row.record.id == path.record_id)
    return views.item_out(row).model_dump(mode="json")


@api.post("/self-checks", responses={201: SelfCheckOut, 403: ErrorOut, 409: ErrorOut, 503: ErrorOut}, security=BEARER)
@login_required("staff")
def mark_self_check(body: SelfCheckIn):
    """自查：本级团委标记一段时间的自查已完成，附自查发现（须通过内容安全检测）；同一期间重复 409 self_check_exists。"""
    span = stats.period(body.start, body.end)
    check = self_checks.mark_done(require_principal(), body.region, span, body.findings)
    return views.self_check_out(check).model_dump(mode="json", by_alias=True), 201


@api.get("/self-checks", responses={200: SelfCheckList, 403: ErrorOut}, security=BEARER)
@login_required("staff")
def list_self_checks(query: SelfCheckQuery):
    """区划及其下级在该年度内的自查。"""
    found = self_checks.listing(require_principal(), query.region, sheet.year_period(query.year))
    return SelfCheckList(items=[views.self_check_out(check) for check in found]).model_dump(mode="json", by_alias=True)


@api.put("/assessment/targets", responses={200: TargetsOut, 403: ErrorOut}, security=BEARER)
@login_required("staff")
def put_targets(body: TargetsIn):
    """设定下级区划某年度的考核目标（整体替换；不填的指标不设目标）。本级的目标由上级设定（403 target_level）。"""
    values = body.model_dump(exclude={"region", "year"})
    return views.targets_out(targets.set_targets(require_principal(), body.region, body.year, values))


@api.get("/assessment/sheet", responses={200: SheetOut, 403: ErrorOut}, security=BEARER)
@login_required("staff")
def get_sheet(query: SheetQuery):
    """年度考核表：统计数字与 GET /stats（该年 1 月 1 日至 12 月 31 日）相同，另有扶贫接力、抽查结果、自查和目标。"""
    return views.sheet_out(sheet.build(require_principal(), query.region, query.year))


@api.get("/assessment/sheet.xlsx", responses={200: XLSX_RESPONSE, 403: ErrorOut}, security=BEARER)
@login_required("staff")
def get_sheet_xlsx(query: SheetQuery):
    """年度考核表（Excel）。"""
    built = sheet.build(require_principal(), query.region, query.year)
    return Response(
        workbook.render(built),
        mimetype=workbook.XLSX,
        headers={"Content-Disposition": f'attachment; filename="{workbook.filename(built)}"'},
    )
