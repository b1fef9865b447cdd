"""What WeChat delivers to /wechat/callback (its "message push"), as it arrives: a signed query string,
an XML body, AES-encrypted in safe mode (the crypto is app/wechat/callback.py).

Plain mode signs only token + timestamp + nonce, not the body, so a signed URL seen once could carry
any body: every delivery is handled once (nonce, timestamp and signature remembered for the window;
a repeat is answered "success" and not acted on) and only while its timestamp is fresh. With an AES
key configured, only safe mode is accepted, where the signature covers the encrypted body.
The error codes keep WeChat's word (push_*).
"""

import hashlib
import logging
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeXML
from flask import current_app

from app.core import clock
from app.core.errors import AppError, Forbidden
from app.extensions import redis_client
from app.wechat import callback

#: How far a delivery's timestamp may be from our clock, either way.
WINDOW = timedelta(minutes=5)
#: A delivery is accepted while now is within WINDOW of its timestamp, and it arrives no earlier than
#: WINDOW before it, so remembering it for twice the window outlives every moment it could be replayed.
REMEMBER = 2 * WINDOW
REDIS_PREFIX = "volunteers:wechat-push:"

logger = logging.getLogger(__name__)


class DeliveryRefused(Forbidden):
    code = "push_refused"
    message = "消息推送校验失败"


class MalformedDelivery(AppError):
    code = "push_malformed"
    message = "消息格式不正确"


@dataclass(frozen=True)
class Delivery:
    """A verified delivery: the message's fields, and the key that marks it as seen."""

    message: dict
    replay_key: str


def verify_server(args: Mapping[str, str]) -> str:
    """WeChat's server check (GET): the echostr back, if the signature is ours."""
    timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
    _require_signature(args.get("signature", ""), _token(), timestamp, nonce)
    _require_fresh(timestamp)
    return args.get("echostr", "")


def verify(args: Mapping[str, str], body: bytes) -> Delivery:
    """Authenticate a POSTed delivery and read its message; DeliveryRefused (403) when anything is off."""
    token, timestamp, nonce = _token(), args.get("timestamp", ""), args.get("nonce", "")
    if args.get("encrypt_type", "").lower() == "aes":
        signature = args.get("msg_signature", "")
        encrypted = parse_xml(body).get("Encrypt")
        if not isinstance(encrypted, str) or not encrypted:
            raise DeliveryRefused("安全模式消息缺少密文", code="push_not_encrypted")
        _require_signature(signature, token, timestamp, nonce, encrypted)
        _require_fresh(timestamp)
        message = parse_xml(_decrypt(signature, timestamp, nonce, encrypted))
    else:
        if current_app.config.get("WECHAT_AES_KEY"):
            raise DeliveryRefused("已启用安全模式，不接受明文消息", code="push_plaintext_refused")
        signature = args.get("signature", "")
        _require_signature(signature, token, timestamp, nonce)
        _require_fresh(timestamp)
        message = parse_xml(body)
    digest = hashlib.sha256(f"{timestamp}:{nonce}:{signature}".encode()).hexdigest()
    return Delivery(message, digest)


@contextmanager
def once(delivery: Delivery) -> Iterator[bool]:
    """Whether this delivery is the first in the window (handle it only then); if handling fails it may
    be delivered again.

    A request seen before is not acted on, but answered like any other: WeChat repeats a push it got no
    answer to within five seconds, and a refusal would make it try again and then tell the person the
    service failed, while the first delivery is still being handled (or already was)."""
    seen = _seen()
    if not seen.first_time(delivery.replay_key):
        logger.info("wechat push replayed, not handled again", extra={"code": "push_replayed"})
        yield False
        return
    try:
        yield True
    except BaseException:
        seen.forget(delivery.replay_key)
        raise


def parse_xml(body: bytes | str) -> dict:
    """The delivered XML as a dict: text for leaf elements, dicts for nested ones, lists for repeats.

    defusedxml refuses DTDs and entities, so a body cannot expand or reach outside itself.
    """
    try:
        root = SafeXML.fromstring(body, forbid_dtd=True)
    except (SafeXML.ParseError, DefusedXmlException):
        raise MalformedDelivery() from None
    value = _element(root)
    return value if isinstance(value, dict) else {}


def _element(element) -> str | dict:
    if len(element) == 0:
        return (element.text or "").strip()
    fields: dict = {}
    for child in element:
        value = _element(child)
        if child.tag not in fields:
            fields[child.tag] = value
        elif isinstance(fields[child.tag], list):
            fields[child.tag].append(value)
        else:
            fields[child.tag] = [fields[child.tag], value]
    return fields


def _token() -> str:
    token = current_app.config.get("WECHAT_TOKEN")
    if not token:
        raise DeliveryRefused("未配置消息推送令牌（WECHAT_TOKEN）", code="push_not_configured")
    return token


def _require_signature(signature: str, token: str, *parts: str) -> None:
    if not callback.is_signed(signature, token, *parts):
        raise DeliveryRefused("消息签名无效", code="push_signature_invalid")


def _require_fresh(timestamp: str) -> None:
    try:
        sent = datetime.fromtimestamp(int(timestamp), UTC)
    except (ValueError, OverflowError, OSError):
        raise DeliveryRefused("消息时间戳无效", code="push_timestamp_invalid") from None
    if abs(clock.now() - sent) > WINDOW:
        raise DeliveryRefused("消息时间戳已过期", code="push_stale")


def _decrypt(signature: str, timestamp: str, nonce: str, encrypted: str) -> str:
    envelope = callback.Envelope.from_config(current_app.config)
    if envelope is None:
        raise DeliveryRefused("未配置安全模式密钥（WECHAT_AES_KEY）", code="push_not_configured")
    try:
        return envelope.open(signature, timestamp, nonce, encrypted)
    except callback.Undecryptable:
        raise DeliveryRefused("消息解密失败", code="push_undecryptable") from None


# --- deliveries seen ----------------------------------------------------------------------------


class RedisSeen:
    """Shared by every web worker: SET NX EX claims a delivery for the window."""

    def __init__(self, redis):
        self.redis = redis

    def first_time(self, key: str) -> bool:
        return bool(self.redis.set(REDIS_PREFIX + key, 1, nx=True, ex=int(REMEMBER.total_seconds())))

    def forget(self, key: str) -> None:
        self.redis.delete(REDIS_PREFIX + key)


class MemorySeen:
    """Single-process mode (no REDIS_URL): the same, in this process, expiring in arrival order."""

    def __init__(self):
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}
        self._order: deque[tuple[float, str]] = deque()

    def first_time(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            while self._order and self._order[0][0] <= now:
                expired_at, old = self._order.popleft()
                if self._expiry.get(old) == expired_at:
                    del self._expiry[old]
            if key in self._expiry:
                return False
            expires = now + REMEMBER.total_seconds()
            self._expiry[key] = expires
            self._order.append((expires, key))
            return True

    def forget(self, key: str) -> None:
        with self._lock:
            self._expiry.pop(key, None)


def _seen() -> RedisSeen | MemorySeen:
    redis = redis_client()
    if redis is not None:
        return RedisSeen(redis)
    return current_app.extensions.setdefault("chatbot_seen_deliveries", MemorySeen())
