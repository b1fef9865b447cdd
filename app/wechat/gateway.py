"""What the service asks of WeChat, behind one small interface with two implementations."""

import hashlib
import io
import itertools
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

import requests
import segno
from redis.exceptions import RedisError
from wechatpy.exceptions import WeChatClientException

from app.wechat.client import build_client
from app.wechat.token import TokenKeeper

log = logging.getLogger(__name__)

CODE_INVALID = 40029
CODE_USED = 40163  # the same wx.login code sent twice (e.g. a double tap): the app must log in again
RATE_LIMITED = 45011
RISKY_CONTENT = 87014

# Pushes (subscribe and customer-service messages). Any code not listed here is a permanent refusal
# (47003 a field broke its limit, 40003 bad openid, 40037 bad template id, 41030 bad page, 45015 the
# 48-hour reply window closed, 45047 too many replies, 48001 no permission, ...): retrying cannot help.
NO_ALLOWANCE = 43101
TOKEN_INVALID = frozenset({40001, 40014, 41001, 42001})  # invalid, malformed, missing, expired
TEMPORARY = frozenset({-1, 45009, 45011})  # system busy; API frequency or quota limits


class WeChatError(Exception):
    """WeChat refused or failed; `errcode` is WeChat's code when it gave one."""

    def __init__(self, message: str, errcode: int | None = None):
        super().__init__(message)
        self.errcode = errcode


class WeChatCodeInvalid(WeChatError):
    pass


class WeChatRateLimited(WeChatError):
    pass


class WeChatUnavailable(WeChatError):
    """WeChat could not be reached or answered with an HTTP error; worth trying again later."""


class WeChatNoAllowance(WeChatError):
    """43101: the user has no subscription left for the template; they must subscribe again."""


class WeChatRejected(WeChatError):
    """WeChat refused the push for good (47003, 40003, 40037, ...); `errcode` says why."""


class WeChatTokenInvalid(WeChatError):
    """40001/42001/41001 even after the token was refreshed once; worth trying again later."""


@dataclass(frozen=True)
class CodeSession:
    openid: str
    session_key: str
    unionid: str | None = None


class Gateway(ABC):
    sandbox: bool

    @abstractmethod
    def code_to_session(self, code: str) -> CodeSession:
        """Exchange a wx.login code for the user's openid and session_key."""

    @abstractmethod
    def text_is_safe(self, text: str) -> bool:
        """WeChat content safety (msgSecCheck) for text someone publishes."""

    @abstractmethod
    def wxa_code(self, scene: str, page: str) -> bytes:
        """A PNG mini-program code that opens `page` with `scene` (at most 32 characters)."""

    @abstractmethod
    def send_subscribe(self, openid: str, template_id: str, data: dict, page: str | None) -> str:
        """Push a subscribe message; returns WeChat's msgid.

        Raises WeChatNoAllowance (43101), WeChatRejected (permanent), or another WeChatError
        (WeChatUnavailable, WeChatRateLimited, WeChatTokenInvalid: temporary)."""

    @abstractmethod
    def send_custom_text(self, openid: str, text: str) -> None:
        """A customer-service text reply to someone who wrote to us lately; errors as above."""


class WeChatGateway(Gateway):
    sandbox = False

    def __init__(self, client, tokens: TokenKeeper | None = None):
        self.client = client
        self.tokens = tokens or TokenKeeper(client)

    @classmethod
    def from_config(cls, config, redis=None) -> "WeChatGateway":
        client = build_client(
            config["WECHAT_APPID"],
            config["WECHAT_SECRET"],
            config["WECHAT_API_BASE"],
            redis=redis,
            timeout=config["WECHAT_TIMEOUT_SECONDS"],
        )
        return cls(client, TokenKeeper(client, redis))

    def send_subscribe(self, openid: str, template_id: str, data: dict, page: str | None) -> str:
        result = self._push(lambda token: self.client.send_subscribe(token, openid, template_id, data, page))
        return str(result.get("msgid", ""))

    def send_custom_text(self, openid: str, text: str) -> None:
        self._push(lambda token: self.client.send_custom_text(token, openid, text))

    def _push(self, call: Callable[[str | None], dict]) -> dict:
        """One call with the shared token; if WeChat refuses the token, one refresh (through the
        keeper: one fetch however many callers saw the same bad token) and one more try."""
        token = self.tokens.current()
        if token is None:
            self._refresh(None)
            token = self.tokens.current()
        try:
            result = _push_call(call, token)
        except WeChatTokenInvalid:
            self._refresh(token)
            result = _push_call(call, self.tokens.current())
        if not isinstance(result, dict):
            raise WeChatUnavailable("WeChat answered with something other than JSON")
        return result

    def _refresh(self, seen: str | None) -> None:
        try:
            self.tokens.refresh_after_invalid(seen)
        except (WeChatClientException, requests.RequestException, RedisError) as exc:
            # Bad credentials included: no message is at fault, so none may fail for good.
            raise WeChatTokenInvalid(f"access token refresh failed: {type(exc).__name__}") from exc

    def code_to_session(self, code: str) -> CodeSession:
        result = self._call(self.client.wxa.code_to_session, code)
        if not isinstance(result, dict) or "openid" not in result:
            raise WeChatUnavailable("jscode2session answered without an openid")
        return CodeSession(result["openid"], result.get("session_key", ""), result.get("unionid"))

    def text_is_safe(self, text: str) -> bool:
        try:
            self._call(self.client.wxa.check_text_security, text)
        except WeChatError as exc:
            if exc.errcode == RISKY_CONTENT:
                return False
            raise
        return True

    def wxa_code(self, scene: str, page: str) -> bytes:
        response = self._call(self.client.wxa.get_wxa_code_unlimited, scene, page=page, width=430)
        if isinstance(response, dict):  # a JSON answer where a picture was expected
            raise WeChatUnavailable("getwxacodeunlimit answered without an image")
        return response.content

    @staticmethod
    def _call(func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except WeChatClientException as exc:
            if exc.errcode in (CODE_INVALID, CODE_USED):
                raise WeChatCodeInvalid("invalid login code", exc.errcode) from exc
            if exc.errcode == RATE_LIMITED:
                raise WeChatRateLimited("login rate limited by WeChat", exc.errcode) from exc
            if exc.errcode is None:  # HTTP-level failure: WeChat is down or unreachable
                raise WeChatUnavailable("WeChat answered with an HTTP error") from exc
            raise WeChatError(f"WeChat error {exc.errcode}", exc.errcode) from exc
        except requests.RequestException as exc:
            raise WeChatUnavailable(f"WeChat unreachable: {type(exc).__name__}") from exc


def _push_call(call: Callable[[str | None], dict], token: str | None):
    try:
        return call(token)
    except WeChatClientException as exc:
        code = exc.errcode
        if code is None:
            raise WeChatUnavailable("WeChat answered with an HTTP error") from exc
        if code == NO_ALLOWANCE:
            raise WeChatNoAllowance(f"{code} {exc.errmsg}", code) from exc
        if code in TOKEN_INVALID:
            raise WeChatTokenInvalid(f"{code} {exc.errmsg}", code) from exc
        if code in TEMPORARY:
            raise WeChatRateLimited(f"{code} {exc.errmsg}", code) from exc
        raise WeChatRejected(f"{code} {exc.errmsg}", code) from exc
    except requests.RequestException as exc:
        raise WeChatUnavailable(f"WeChat unreachable: {type(exc).__name__}") from exc


class SandboxGateway(Gateway):
    """Development without credentials: `dev:<name>` logs in as a stable fake user, content safety
    uses a local word list, and mini-program codes are plain QR codes made here."""

    sandbox = True

    def __init__(self, blocked_words: tuple[str, ...] = ()):
        self.blocked_words = blocked_words
        self._msgids = itertools.count(1)

    def send_subscribe(self, openid: str, template_id: str, data: dict, page: str | None) -> str:
        msgid = f"sandbox-{next(self._msgids)}"
        log.info("沙箱：未真正推送订阅消息（模板 %s，页面 %s，%s）", template_id, page, msgid)
        return msgid

    def send_custom_text(self, openid: str, text: str) -> None:
        log.info("沙箱：未真正推送客服消息（%d 字）", len(text))

    def text_is_safe(self, text: str) -> bool:
        return not any(word in text for word in self.blocked_words)

    def wxa_code(self, scene: str, page: str) -> bytes:
        out = io.BytesIO()
        segno.make(f"{page}?scene={scene}", error="m").save(out, kind="png", scale=6, border=2)
        return out.getvalue()

    def code_to_session(self, code: str) -> CodeSession:
        prefix, _, name = code.partition(":")
        if prefix != "dev" or not name:
            raise WeChatCodeInvalid("sandbox accepts only codes of the form dev:<name>", CODE_INVALID)
        digest = hashlib.sha256(name.encode()).hexdigest()
        log.info("sandbox login for a dev code")
        return CodeSession(openid=f"sandbox-{digest[:28]}", session_key=f"sandbox-{digest[28:52]}")
