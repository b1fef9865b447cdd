"""The regions API: browse the tree (public), set flags (staff in scope)."""

from flask_openapi3 import APIBlueprint, Tag

from app.core.auth import login_required, require_principal
from app.core.schemas import ErrorOut
from app.regions import operations
from app.regions.schemas import RegionFlagsIn, RegionList, RegionOut, RegionPath, RegionQuery

api = APIBlueprint("regions", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="regions", description="行政区划")])


@api.get("/regions", responses={200: RegionList, 404: ErrorOut})
def list_regions(query: RegionQuery):
    """下级行政区划：不带 parent 时返回省级。"""
    items = operations.children(query.parent)
    return RegionList(items=[RegionOut.model_validate(r) for r in items]).model_dump()


@api.get("/regions/<code>", responses={200: RegionOut, 404: ErrorOut})
def get_region(path: RegionPath):
    """一个行政区划及其标记。"""
    return RegionOut.model_validate(operations.get(path.code)).model_dump()


@api.patch(
    "/regions/<code>",
    responses={200: RegionOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    security=[{"bearer": []}],
)
@login_required("staff")
def set_region_flags(path: RegionPath, body: RegionFlagsIn):
    """设置深度贫困县、贫困村标记（辖区内工作人员）；辖区外的区划按不存在处理。"""
    region = operations.set_flags(
        require_principal(), path.code, deep_poverty=body.deep_poverty, poor_village=body.poor_village
    )
    return RegionOut.model_validate(region).model_dump()
