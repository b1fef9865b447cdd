"""What the service asks of WeChat, behind one small interface with two implementations."""

import hashlib
import io
import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass

import requests
import segno
from wechatpy.exceptions import WeChatClientException

from app.wechat.client import build_client

log = logging.getLogger(__name__)

CODE_INVALID = 40029
CODE_USED = 40163  # the same wx.login code sent twice (e.g. a double tap): the app must log in again
RATE_LIMITED = 45011
RISKY_CONTENT = 87014


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
    pass


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


class WeChatGateway(Gateway):
    sandbox = False

    def __init__(self, client):
        self.client = client

    @classmethod
    def from_config(cls, config, redis=None) -> "WeChatGateway":
        return cls(
            build_client(
                config["WECHAT_APPID"],
                config["WECHAT_SECRET"],
                config["WECHAT_API_BASE"],
                redis=redis,
                timeout=config["WECHAT_TIMEOUT_SECONDS"],
            )
        )

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


class SandboxGateway(Gateway):
    """Development without credentials: `dev:<name>` logs in as a stable fake user, content safety
    uses a local word list, and mini-program codes are plain QR codes made here."""

    sandbox = True

    def __init__(self, blocked_words: tuple[str, ...] = ()):
        self.blocked_words = blocked_words

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
