"""One wechatpy client per process, pointed at WECHAT_API_BASE, with auto-retry off.

wechatpy 1.8.18 answers 40001/42001 by fetching a new token and retrying, forever; with one
shared token that would let every worker invalidate everyone else's. Here auto-retry is off and
reading the token never fetches one: the token is owned by one refresher (app/wechat/token.py)
and shared through the session storage (Redis, or the database without Redis: app/wechat/storage.py),
together with its expiry, so every process knows when it is due.

Every call that needs the token takes it explicitly, so the caller knows which token WeChat refused.
"""

import logging
import time
from typing import Any

import requests
from redis.exceptions import RedisError
from wechatpy import WeChatClient
from wechatpy.session import SessionStorage
from wechatpy.session.memorystorage import MemoryStorage

WECHAT_ORIGIN = "https://api.weixin.qq.com/"

log = logging.getLogger(__name__)


class _HttpSession(requests.Session):
    """Every request the client makes goes to WECHAT_API_BASE, with a timeout.

    wechatpy spells WeChat's origin in many places (the client's and each API group's base URL,
    absolute URLs in some methods, the token fetch), and its token fetch passes no timeout; this
    one session sees every request, so it is the one place to fix both.
    """

    def __init__(self, api_base: str, timeout: float | None):
        super().__init__()
        self.api_base = api_base
        self.default_timeout = timeout

    def request(self, method: str, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        # Session.request's parameters, passed on as given; wechatpy names all but method and URL.
        if isinstance(url, bytes):
            url = url.decode()  # as requests would
        if url.startswith(WECHAT_ORIGIN):
            url = self.api_base + url[len(WECHAT_ORIGIN) :]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(method, url, *args, **kwargs)


class ConfiguredClient(WeChatClient):
    def __init__(self, appid: str, secret: str, api_base: str, *, session=None, timeout: float | None = None):
        super().__init__(appid, secret, session=session, timeout=timeout, auto_retry=False)
        self.api_base = api_base.rstrip("/") + "/"
        self._http = _HttpSession(self.api_base, timeout)

    @property
    def access_token(self) -> str | None:
        """The shared token, or None: calls that need none (jscode2session) go without it.

        With its store (Redis) away the token is unknown, not an error: a login still works, and a
        call that needs the token fails as a refresh that cannot take its lock (a clear 503).
        """
        try:
            return self.session.get(self.access_token_key)
        except RedisError as error:
            log.warning("access token store unreachable (%s)", type(error).__name__)
            return None

    @property
    def access_token_expiry_key(self) -> str:
        return f"{self.access_token_key}_expires_at"

    @property
    def access_token_expires_at(self) -> float | None:
        """When the shared token expires (Unix time), as stored by whoever fetched it."""
        value = self.session.get(self.access_token_expiry_key)
        return float(value) if value is not None else None

    def _fetch_access_token(self, url, params):
        """wechatpy's fetch, plus the expiry beside the token (wechatpy keeps it per instance only)."""
        result = super()._fetch_access_token(url, params)
        expires_in = int(result.get("expires_in", 7200))
        self.session.set(self.access_token_expiry_key, time.time() + expires_in, expires_in)
        return result

    # The calls that need the token take it explicitly, so a caller knows which token WeChat refused.

    def send_subscribe(self, token: str | None, openid: str, template_id: str, data: dict, page: str | None) -> dict:
        body = {"touser": openid, "template_id": template_id, "data": data}
        if page:
            body["page"] = page
        return self.post("message/subscribe/send", params={"access_token": token}, data=body)

    def send_custom_text(self, token: str | None, openid: str, text: str) -> dict:
        body = {"touser": openid, "msgtype": "text", "text": {"content": text}}
        return self.post("message/custom/send", params={"access_token": token}, data=body)

    def check_text(self, token: str | None, text: str) -> dict:
        """msgSecCheck: errcode 0, or 87014 (risky content) raised like any other refusal."""
        return self.post(
            "wxa/msg_sec_check", params={"access_token": token}, data={"content": text}, api_base_url=WECHAT_ORIGIN
        )

    def wxa_code(self, token: str | None, scene: str, page: str | None, width: int = 430):
        """getwxacodeunlimit: the picture (a requests Response), or a dict if WeChat answered JSON."""
        body = {"scene": scene, "width": width}
        if page:
            body["page"] = page
        return self.post("wxa/getwxacodeunlimit", params={"access_token": token}, data=body, api_base_url=WECHAT_ORIGIN)


def build_client(
    appid: str, secret: str, api_base: str, *, storage: SessionStorage | None = None, timeout: float | None = None
) -> ConfiguredClient:
    """A client keeping its token in `storage` (app/wechat/storage.py); in its own memory when None."""
    return ConfiguredClient(
        appid, secret, api_base, session=storage if storage is not None else MemoryStorage(), timeout=timeout
    )
