from flask_openapi3 import APIBlueprint, Tag

from app.core.auth import current_principal, login_required
from app.core.schemas import ErrorOut
from app.notify import operations
from app.notify.schemas import InboxOut, InboxQuery, MessageOut, MessagePath

api = APIBlueprint("notify", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="inbox", description="站内消息")])
BEARER = [{"bearer": []}]


@api.get("/inbox", responses={200: InboxOut}, security=BEARER)
@login_required()
def read_inbox(query: InboxQuery):
    """我的消息，新消息在前。"""
    items, unread = operations.inbox(current_principal().user_id, before_id=query.before_id, limit=query.limit)
    out = [
        MessageOut(
            id=m.id,
            purpose=m.purpose,
            title=m.title,
            body=m.body,
            link=m.link,
            created_at=m.created_at,
            read=m.read_at is not None,
        )
        for m in items
    ]
    return InboxOut(items=out, unread=unread).model_dump(mode="json")


@api.post("/inbox/<int:message_id>/read", responses={204: None, 404: ErrorOut}, security=BEARER)
@login_required()
def mark_read(path: MessagePath):
    operations.mark_read(current_principal().user_id, path.message_id)
    return "", 204
