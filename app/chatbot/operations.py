"""What the bot does with a verified delivery: each message once; text answered through the outbox
(a customer-service reply, and the same text in the inbox); subscription changes into the ledger."""

import hashlib
from datetime import UTC, datetime

from sqlalchemy import select

from app.accounts.models import User
from app.chatbot import commands
from app.chatbot.models import CallbackEvent
from app.core import audit, auth, clock
from app.core.db import insert_ignoring_conflicts
from app.extensions import db
from app.notify import ledger
from app.notify import operations as notify

#: Messages a person typed or sent in the chat; anything but text is answered with help.
USER_MESSAGES = ("text", "image", "voice", "video", "shortvideo", "location", "link", "miniprogrampage")
#: Subscription events and the element that lists each template's new state.
SUBSCRIPTION_EVENTS = {
    "subscribe_msg_popup_event": "SubscribeMsgPopupEvent",
    "subscribe_msg_change_event": "SubscribeMsgChangeEvent",
}


def receive(message: dict) -> None:
    """Act on one delivered message or event; a second delivery of it does nothing."""
    openid, kind = _text(message, "FromUserName"), _kind(message)
    key = delivery_key(message)
    if not openid or not _first_delivery(key, openid, kind):
        return
    if kind in USER_MESSAGES:
        _reply(openid, key, _text(message, "Content") if kind == "text" else "")
    elif kind in SUBSCRIPTION_EVENTS:
        _update_ledger(openid, message, kind)


def delivery_key(message: dict) -> str:
    """WeChat's advice for telling retries apart: MsgId, else sender + creation time + event."""
    msg_id = _text(message, "MsgId")
    if msg_id:
        key = f"msg:{msg_id}"
    else:
        key = f"event:{_text(message, 'FromUserName')}:{_text(message, 'CreateTime')}:{_text(message, 'Event')}"
    # Room for the "chat:" prefix of the reply's outbox key, which has the same 128-character limit.
    return key if len(key) <= 120 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _first_delivery(key: str, openid: str, kind: str) -> bool:
    # ON CONFLICT DO NOTHING: a concurrent delivery of the same message waits for ours, then skips.
    # RETURNING tells the two apart on every driver (psycopg reports no rowcount here).
    inserted = db.session.scalar(
        insert_ignoring_conflicts(CallbackEvent)
        .values(key=key, openid=openid[:64], kind=kind[:48], received_at=clock.now())
        .returning(CallbackEvent.id)
    )
    return inserted is not None


def _reply(openid: str, key: str, text: str) -> None:
    user = _user_for(openid)
    principal = auth.build_principal(user.id)
    auth.act_as(principal)  # the verified sender is the actor of what the command changes
    reply = commands.answer(principal, text)
    notify.tell(user.id, "chat", f"chat:{key}", reply.title, reply.body, push=True)


def _user_for(openid: str) -> User:
    """The user behind an openid; someone who chats before ever logging in is created as login would,
    so the reply (and, once they open the mini-program, their inbox) can reach them."""
    user = db.session.scalar(select(User).where(User.openid == openid))
    if user is None:
        user = User(openid=openid, created_at=clock.now())
        db.session.add(user)
        db.session.flush()
        audit.record("create", "user", user.id, after={"channel": "wechat_chat"}, actor_id=user.id)
    return user


def _update_ledger(openid: str, message: dict, kind: str) -> None:
    user_id = db.session.scalar(select(User.id).where(User.openid == openid))
    if user_id is None:  # never logged in: there is nothing we could push to them anyway
        return
    results = {}
    for item in _items(message.get(SUBSCRIPTION_EVENTS[kind])):
        template_id, status = _text(item, "TemplateId"), _text(item, "SubscribeStatusString").lower()
        if template_id and status:
            results[template_id] = status
    if results:
        # The mini-program reports the same tap (source "api"); the ledger counts the pair once,
        # and ignores templates that are not ours.
        ledger.record_results(user_id, results, source="event", at=_created_at(message), strict=False)


def _items(container) -> list[dict]:
    """The <List> entries of a subscription event: one element parses as a dict, several as a list."""
    entries = container.get("List") if isinstance(container, dict) else None
    entries = entries if isinstance(entries, list) else [entries]
    return [entry for entry in entries if isinstance(entry, dict)]


def _created_at(message: dict) -> datetime:
    try:
        return datetime.fromtimestamp(int(_text(message, "CreateTime")), UTC)
    except (ValueError, OverflowError, OSError):
        return clock.now()


def _kind(message: dict) -> str:
    kind = _text(message, "MsgType").lower()
    return _text(message, "Event").lower() if kind == "event" else kind


def _text(fields: dict, name: str) -> str:
    value = fields.get(name)
    return value if isinstance(value, str) else ""
