from flask_openapi3 import APIBlueprint, Tag
from sqlalchemy import RowMapping

from app.core.auth import login_required, require_principal
from app.core.caching import revalidated
from app.core.clock import local
from app.core.schemas import BLUEPRINT_RESPONSES, ErrorOut
from app.core.transactions import reads_only
from app.notify import ledger, operations
from app.notify.schemas import (
    InboxOut,
    InboxQuery,
    MessagePath,
    SubscriptionOut,
    SubscriptionResults,
    SubscriptionsOut,
)

api = APIBlueprint(
    "notify",
    __name__,
    url_prefix="/api/v1",
    abp_tags=[Tag(name="inbox", description="站内消息与订阅消息")],
    abp_responses=BLUEPRINT_RESPONSES,
)
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


@api.get("/inbox", responses={200: InboxOut, 304: None}, security=BEARER)
@reads_only
@login_required()
def read_inbox(query: InboxQuery):
    """我的消息，新消息在前。"""
    items, unread = operations.inbox(require_principal().user_id, before_id=query.before_id, limit=query.limit)
    return revalidated({"items": [inbox_item(row) for row in items], "unread": unread})


def inbox_item(row: RowMapping) -> dict:
    """MessageOut of an inbox row, built directly (tests/notify check the shape)."""
    return {
        "id": row["id"],
        "purpose": row["purpose"],
        "title": row["title"],
        "body": row["body"],
        "link": row["link"],
        "created_at": local(row["created_at"]).isoformat(timespec="seconds"),
        "read": bool(row["read"]),
    }


@api.post("/inbox/<int:message_id>/read", responses={204: None, 404: ErrorOut}, security=BEARER)
@login_required()
def mark_read(path: MessagePath):
    operations.mark_read(require_principal().user_id, path.message_id)
    return "", 204


@api.get("/subscriptions", responses={200: SubscriptionsOut}, security=BEARER)
@login_required()
def read_subscriptions():
    """我的订阅消息：每种用途的模板、剩余次数，以及是否需要再次请求订阅。"""
    return _standing(require_principal().user_id)


@api.post("/subscriptions", responses={200: SubscriptionsOut, 422: ErrorOut}, security=BEARER)
@login_required()
def record_subscriptions(body: SubscriptionResults):
    """记录 wx.requestSubscribeMessage 的结果：每个「允许」的一次性模板可推送一次。"""
    user_id = require_principal().user_id
    ledger.record_results(user_id, body.results, source="api")
    return _standing(user_id)


def _standing(user_id: int) -> dict:
    items = [SubscriptionOut.model_validate(standing) for standing in ledger.standing(user_id)]
    renew = list(dict.fromkeys(item.template_id for item in items if item.renew))
    return SubscriptionsOut(items=items, renew=renew).model_dump(mode="json")
