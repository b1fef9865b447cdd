"""What the service asks of WeChat, behind one small interface with two implementations."""

import hashlib
import io
import itertools
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
import segno
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage

from app.wechat.client import build_client
from app.wechat.storage import Lock
from app.wechat.token import TokenKeeper

log = logging.getLogger(__name__)

CODE_INVALID = 40029
CODE_USED = 40163  # the same wx.login code sent twice (e.g. a double tap): the app must log in again
RATE_LIMITED = 45011
RISKY_CONTENT = 87014

# Calls with the access token (pushes, content safety, mini-program codes). Any code not listed here
# is a permanent refusal (47003 a field broke its limit, 40003 bad openid, 40037 bad template id,
# 41030 bad page, 45015 the 48-hour reply window closed, 45047 too many replies, 48001 no permission,
# 87014 risky content, 40169 bad scene, ...): retrying cannot help.
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
    """WeChat refused the call for good (47003, 40003, 40037, 87014, ...); `errcode` says why."""


class WeChatTokenInvalid(WeChatError):
    """40001/42001/40014/41001 even after the token was refreshed once, or the refresh failed;
    worth trying again later."""


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
    """Real WeChat through wechatpy. Every call that needs the access token goes through `_with_token`."""

    sandbox = False

    def __init__(self, client, tokens: TokenKeeper | None = None):
        self.client = client
        self.tokens = tokens or TokenKeeper(client)

    @classmethod
    def from_config(cls, config, storage: SessionStorage | None = None, lock: Lock | None = None) -> "WeChatGateway":
        """A gateway whose token lives in `storage` under `lock` (app/wechat/storage.py)."""
        client = build_client(
            config["WECHAT_APPID"],
            config["WECHAT_SECRET"],
            config["WECHAT_API_BASE"],
            storage=storage,
            timeout=config["WECHAT_TIMEOUT_SECONDS"],
        )
        return cls(client, TokenKeeper(client, lock))

    def send_subscribe(self, openid: str, template_id: str, data: dict, page: str | None) -> str:
        result = self._with_token(lambda token: self.client.send_subscribe(token, openid, template_id, data, page))
        return str(_json(result).get("msgid", ""))

    def send_custom_text(self, openid: str, text: str) -> None:
        _json(self._with_token(lambda token: self.client.send_custom_text(token, openid, text)))

    def text_is_safe(self, text: str) -> bool:
        try:
            _json(self._with_token(lambda token: self.client.check_text(token, text)))
        except WeChatRejected as exc:
            if exc.errcode == RISKY_CONTENT:
                return False
            raise
        return True

    def wxa_code(self, scene: str, page: str) -> bytes:
        response = self._with_token(lambda token: self.client.wxa_code(token, scene, page))
        if isinstance(response, dict):  # a JSON answer where a picture was expected
            raise WeChatUnavailable("getwxacodeunlimit answered without an image")
        return response.content

    def _with_token(self, call: Callable[[str | None], Any]) -> Any:
        """One call with the shared token. No token stored yet: one refresh first. WeChat refuses
        the token (40001/42001/40014/41001): one refresh and one more try. Refreshes go through the
        keeper, under its lock: one fetch however many callers (in however many processes) saw the
        same bad token or none."""
        token = self.tokens.current()
        if token is None:
            self._refresh(None)
            token = self.tokens.current()
        try:
            return _token_call(call, token)
        except WeChatTokenInvalid:
            self._refresh(token)
            return _token_call(call, self.tokens.current())

    def _refresh(self, seen: str | None) -> None:
        try:
            self.tokens.refresh_after_invalid(seen)
        except (WeChatClientException, requests.RequestException, RedisError, SQLAlchemyError) as exc:
            # Bad credentials, WeChat or the lock unreachable: the caller's request or message is not
            # at fault, so none may fail for good.
            raise WeChatTokenInvalid(f"access token refresh failed: {type(exc).__name__}") from exc

    def code_to_session(self, code: str) -> CodeSession:
        # jscode2session needs no access token, and has login's own errors.
        try:
            result = self.client.wxa.code_to_session(code)
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
        if not isinstance(result, dict) or "openid" not in result:
            raise WeChatUnavailable("jscode2session answered without an openid")
        return CodeSession(result["openid"], result.get("session_key", ""), result.get("unionid"))


def _token_call(call: Callable[[str | None], Any], token: str | None) -> Any:
    """`call(token)`, with WeChat's refusals as the WeChatError subclasses callers act on."""
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


def _json(result) -> dict:
    if not isinstance(result, dict):
        raise WeChatUnavailable("WeChat answered with something other than JSON")
    return result


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
        log.debug("sandbox login for a dev code")
        return CodeSession(openid=f"sandbox-{digest[:28]}", session_key=f"sandbox-{digest[28:52]}")
