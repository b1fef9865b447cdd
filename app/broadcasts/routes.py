from flask_openapi3 import APIBlueprint, Tag

from app.broadcasts import operations
from app.broadcasts.models import Broadcast
from app.broadcasts.schemas import (
    BroadcastDetail,
    BroadcastIn,
    BroadcastList,
    BroadcastOut,
    BroadcastPath,
    BroadcastQuery,
    PreviewIn,
    PreviewOut,
)
from app.core.auth import login_required, require_principal
from app.core.schemas import BLUEPRINT_RESPONSES, ErrorOut

api = APIBlueprint(
    "broadcasts",
    __name__,
    url_prefix="/api/v1",
    abp_tags=[Tag(name="broadcasts", description="团委工作人员向选定人群发布通知")],
    abp_responses=BLUEPRINT_RESPONSES,
)
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


def broadcast_out(broadcast: Broadcast, status: str | None = None, model=BroadcastOut, **extra) -> dict:
    data = {
        **{column.key: getattr(broadcast, column.key) for column in Broadcast.__table__.columns},
        "audience": {"region": broadcast.region_code, "areas": broadcast.areas, "roles": broadcast.roles},
        "status": status or broadcast.status,
        **extra,
    }
    return model.model_validate(data).model_dump(mode="json")


def detail_out(broadcast: Broadcast) -> dict:
    counts = operations.counts(broadcast)
    return broadcast_out(broadcast, operations.status_of(broadcast, counts), BroadcastDetail, counts=counts)


@api.post("/broadcasts", responses={201: BroadcastOut, 403: ErrorOut, 404: ErrorOut}, security=BEARER)
@login_required("staff")
def post_broadcast(body: BroadcastIn):
    """向辖区内的人群发布通知：区划 ∩ 服务领域队伍 ∩ 身份；立即发送或定时发送。"""
    return broadcast_out(operations.create(require_principal(), body)), 201


@api.post("/broadcasts/preview", responses={200: PreviewOut, 403: ErrorOut, 404: ErrorOut}, security=BEARER)
@login_required("staff")
def preview_broadcast(body: PreviewIn):
    """发送前预览受众人数：区划 ∩ 服务领域队伍 ∩ 身份，与发送时的统计口径相同；不发送任何消息。"""
    return {"recipients": operations.audience_size(require_principal(), body.audience)}


@api.get("/broadcasts", responses={200: BroadcastList, 403: ErrorOut}, security=BEARER)
@login_required("staff")
def list_broadcasts(query: BroadcastQuery):
    """本人辖区内的通知，新的在前。"""
    items = operations.listing(require_principal(), before_id=query.before_id, limit=query.limit)
    return {"items": [broadcast_out(broadcast, status) for broadcast, status in items]}


@api.get("/broadcasts/<int:id>", responses={200: BroadcastDetail, 403: ErrorOut, 404: ErrorOut}, security=BEARER)
@login_required("staff")
def get_broadcast(path: BroadcastPath):
    """通知及各推送结果的人数（发送过程中随时查看）。"""
    return detail_out(operations.get(require_principal(), path.id))


@api.post(
    "/broadcasts/<int:id>/cancel",
    responses={200: BroadcastDetail, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    security=BEARER,
)
@login_required("staff")
def cancel_broadcast(path: BroadcastPath):
    """撤回尚未发完的通知：未推送的不再推送；已发送完毕的不能撤回。"""
    broadcast = operations.cancel(operations.get(require_principal(), path.id))
    return detail_out(broadcast)
