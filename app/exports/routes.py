from flask_openapi3 import APIBlueprint, Tag

from app.core.auth import login_required, require_principal
from app.core.schemas import BLUEPRINT_RESPONSES, ErrorOut
from app.exports import operations
from app.exports.schemas import XLSX_RESPONSE, ExportQuery

api = APIBlueprint(
    "exports",
    __name__,
    url_prefix="/api/v1",
    abp_tags=[Tag(name="exports", description="导出：考核用服务记录，录入全国志愿服务信息系统的数据")],
    abp_responses=BLUEPRINT_RESPONSES,
)
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


@api.get("/exports/records.xlsx", responses={200: XLSX_RESPONSE, 403: ErrorOut}, security=BEARER)
@login_required("staff")
def export_records(query: ExportQuery):
    """导出辖区内期间的服务记录（xlsx）：每条经确认的记录一行，另有按志愿者、村、领域、项目的合计。

    范围与 GET /stats 一致（常住地在该区划的志愿者，按签到时间，北京时间含首尾两天）；
    手机号脱敏，不含身份证号；每次导出记入审计。
    辖区外 403 out_of_scope。
    """
    return operations.records_download(require_principal(), query.region, query.start, query.end)


@api.get("/exports/national.xlsx", responses={200: XLSX_RESPONSE, 403: ErrorOut}, security=BEARER)
@login_required("staff")
def export_national(query: ExportQuery):
    """按全国志愿服务信息系统的数据项导出服务记录（xlsx），以志愿者统一编号对应志愿者，供录入全国系统。"""
    return operations.national_download(require_principal(), query.region, query.start, query.end)
