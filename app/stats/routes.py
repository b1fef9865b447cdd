from flask_openapi3 import APIBlueprint, Tag

from app.core.auth import login_required, require_principal
from app.core.schemas import BLUEPRINT_RESPONSES, ErrorOut
from app.stats import queries
from app.stats.schemas import StatsOut, StatsQuery
from app.stats.views import stats_out

api = APIBlueprint(
    "stats",
    __name__,
    url_prefix="/api/v1",
    abp_tags=[Tag(name="stats", description="统计：辖区及下级区划、各服务领域的志愿服务数据")],
    abp_responses=BLUEPRINT_RESPONSES,
)
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


@api.get("/stats", responses={200: StatsOut, 403: ErrorOut, 422: ErrorOut}, security=BEARER)
@login_required("staff")
def get_stats(query: StatsQuery):
    """辖区统计：注册与活跃志愿者、服务时长、需求发布与报满率、夜校讲习所场次与到场率；按下级区划和服务领域分列。

    日期按北京时间，含首尾两天；默认今年 1 月 1 日至今天。辖区外 403 out_of_scope。
    """
    principal = require_principal()
    region = queries.region_for(principal, query.region)
    span = queries.period(query.start, query.end)
    return stats_out(queries.overview(region, span))
