"""One wechatpy client per process, pointed at WECHAT_API_BASE, with auto-retry off.

wechatpy 1.8.18 answers 40001/42001 by fetching a new token and retrying, forever; with one
shared token that would let every worker invalidate everyone else's. Here auto-retry is off and
reading the token never fetches one: the token is owned by one refresher and shared through the
session storage (Redis, or memory in single-process mode).
"""

from wechatpy import WeChatClient
from wechatpy.session.memorystorage import MemoryStorage
from wechatpy.session.redisstorage import RedisStorage


class ConfiguredClient(WeChatClient):
    def __init__(self, appid: str, secret: str, api_base: str, *, session=None, timeout: float | None = None):
        super().__init__(appid, secret, session=session, timeout=timeout, auto_retry=False)
        base = api_base.rstrip("/") + "/"
        self.api_base = base
        # wechatpy keeps its base URLs as class attributes; point this instance at ours.
        self.API_BASE_URL = base + "cgi-bin/"
        for name in dir(self):
            api = getattr(self, name, None)
            if getattr(api, "API_BASE_URL", None) == "https://api.weixin.qq.com/":
                api.API_BASE_URL = base

    def fetch_access_token(self):
        return self._fetch_access_token(
            url=self.api_base + "cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )

    @property
    def access_token(self) -> str | None:
        """The shared token, or None: calls that need none (jscode2session) go without it."""
        return self.session.get(self.access_token_key)


def build_client(
    appid: str, secret: str, api_base: str, *, redis=None, timeout: float | None = None
) -> ConfiguredClient:
    storage = RedisStorage(redis, prefix="wechatpy") if redis is not None else MemoryStorage()
    return ConfiguredClient(appid, secret, api_base, session=storage, timeout=timeout)
