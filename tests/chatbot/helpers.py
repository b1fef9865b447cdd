"""WeChat's side of /wechat/callback (its "message push"), done the way its servers do it, and readers for
what the bot said."""

import hashlib
import itertools
import secrets
from xml.sax.saxutils import escape

from sqlalchemy import select
from wechatpy.crypto import WeChatCrypto

from app.accounts.models import User
from app.core import clock
from app.extensions import db
from app.notify.models import Message

TOKEN = "chat-push-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as WeChat issues them
APPID = "wx-chat-appid"
ACCOUNT = "gh_volunteers"

_msg_ids = itertools.count(24_000_000_000_000_001)


def sign(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the sorted parts joined (written out here, not taken from wechatpy)."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def text_xml(openid: str, content: str, msg_id: int | None = None) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{_now()}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{escape(content)}</Content><MsgId>{msg_id or next(_msg_ids)}</MsgId></xml>"
    )


def event_xml(openid: str, event: str, inner: str = "", created: int | None = None) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{created or _now()}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event>{inner}</xml>"
    )


def subscription_list(element: str, results: dict[str, str]) -> str:
    entries = "".join(
        f"<List><TemplateId><![CDATA[{template}]]></TemplateId>"
        f"<SubscribeStatusString><![CDATA[{status}]]></SubscribeStatusString><PopupScene>0</PopupScene></List>"
        for template, status in results.items()
    )
    return f"<{element}>{entries}</{element}>"


def _now() -> int:
    return int(clock.now().timestamp())


class WeChatDeliveries:
    """Posts to /wechat/callback as WeChat would: signed, and encrypted when `safe`."""

    def __init__(self, client):
        self.client = client
        self.safe = False

    def text(self, openid: str, content: str, msg_id: int | None = None):
        return self.deliver(text_xml(openid, content, msg_id))

    def event(self, openid: str, event: str, inner: str = ""):
        return self.deliver(event_xml(openid, event, inner))

    def deliver(self, xml: str, *, skew: int = 0):
        query, body = self.signed(xml, skew=skew)
        return self.send(query, body)

    def signed(self, xml: str, *, skew: int = 0) -> tuple[dict, str]:
        """The query string and body WeChat would send now (+ skew seconds on its clock)."""
        timestamp, nonce = str(_now() + skew), str(secrets.randbelow(10**10))
        query = {"signature": sign(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
        if not self.safe:
            return query, xml
        envelope = WeChatCrypto(TOKEN, AES_KEY, APPID).encrypt_message(xml, nonce, timestamp)
        msg_signature = envelope.split("<MsgSignature><![CDATA[")[1].split("]]>")[0]
        return {**query, "encrypt_type": "aes", "msg_signature": msg_signature}, envelope

    def send(self, query: dict, body: str):
        return self.client.post("/wechat/callback", query_string=query, data=body.encode(), content_type="text/xml")


def openid_of(app, user_id: int) -> str:
    with app.app_context():
        return db.session.scalar(select(User.openid).where(User.id == user_id))


def replies(app, user_id: int) -> list[Message]:
    """The chat replies queued for a user, oldest first."""
    with app.app_context():
        return list(
            db.session.scalars(
                select(Message).where(Message.user_id == user_id, Message.purpose == "chat").order_by(Message.id)
            )
        )
