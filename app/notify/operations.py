"""Telling people things: one idempotent row per (event, recipient, purpose)."""

from sqlalchemy import Integer, RowMapping, bindparam, func, select, update

from app.core import clock
from app.core.db import rowcount
from app.core.errors import NotFound
from app.extensions import db
from app.notify import outbox
from app.notify.models import Message


def tell(
    user_id: int,
    purpose: str,
    key: str,
    title: str,
    body: str,
    *,
    link: str | None = None,
    fields: dict | None = None,
    push: bool = True,
) -> None:
    """Queue a message in the caller's transaction; a second call with the same key does nothing.

    The inbox shows it at once; the sender pushes it by WeChat after the commit when `push`.
    """
    outbox.insert_one(
        user_id=user_id,
        purpose=purpose,
        key=key,
        title=title,
        body=body,
        now=clock.now(),
        link=link,
        fields=fields,
        push=push,
    )


def tell_many(messages: list[dict]) -> None:
    """tell() for many people at once (a dispatch round's offers): each dict holds tell()'s arguments."""
    now = clock.now()
    outbox.insert_many([{"now": now, "push": True, **message} for message in messages])


#: What the inbox shows of a message.
INBOX_COLUMNS = (
    Message.id,
    Message.purpose,
    Message.title,
    Message.body,
    Message.link,
    Message.created_at,
    Message.read_at.is_not(None).label("read"),  # the inbox says whether, not when
)


def inbox(user_id: int, *, before_id: int | None, limit: int) -> tuple[list[RowMapping], int]:
    """A page of the user's messages (rows of INBOX_COLUMNS), newest first, and how many are unread.

    One statement: the unread count rides along as a column of every row. A page past the last
    message has no row to carry it, and counts on its own. The statements are built once (read by
    every volunteer opening the app, building them cost more than running them); a call binds values.
    """
    values = {"user_id": user_id, "before_id": before_id, "limit": limit}
    page = _INBOX_PAGE_BEFORE if before_id is not None else _INBOX_PAGE
    items = db.session.connection().execute(page, values).mappings().all()
    if items:
        return list(items), items[0]["unread"]
    return [], db.session.connection().execute(_UNREAD, values).scalar_one()


# A cancelled broadcast's messages leave the inbox.
_UNREAD = (
    select(func.count())
    .select_from(Message)
    .where(Message.user_id == bindparam("user_id"), Message.read_at.is_(None), Message.delivery != "cancelled")
)
_INBOX_PAGE = (
    select(*INBOX_COLUMNS, _UNREAD.scalar_subquery().label("unread"))
    .where(Message.user_id == bindparam("user_id"), Message.delivery != "cancelled")
    .order_by(Message.id.desc())
    .limit(bindparam("limit", type_=Integer))
)
_INBOX_PAGE_BEFORE = _INBOX_PAGE.where(Message.id < bindparam("before_id"))


def mark_read(user_id: int, message_id: int) -> None:
    result = db.session.execute(
        update(Message)
        .where(Message.id == message_id, Message.user_id == user_id, Message.read_at.is_(None))
        .values(read_at=clock.now())
    )
    if (
        rowcount(result) == 0
        and db.session.scalar(select(Message.id).where(Message.id == message_id, Message.user_id == user_id)) is None
    ):
        raise NotFound("消息不存在", code="message_not_found")
