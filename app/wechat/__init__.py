"""The only code that talks to WeChat. No domain is imported here.

`gateway()` returns the app's one Gateway: real WeChat through wechatpy, or the sandbox when
credentials are unset (development and tests without a fake server). The real one keeps the access
token where every process of the service finds it: Redis, or the database (app/wechat/storage.py).
"""

from flask import Flask, current_app

from app.wechat.gateway import (
    CodeSession,
    Gateway,
    SandboxGateway,
    WeChatCodeInvalid,
    WeChatError,
    WeChatGateway,
    WeChatNoAllowance,
    WeChatRateLimited,
    WeChatRejected,
    WeChatTokenInvalid,
    WeChatUnavailable,
)
from app.wechat.storage import shared_storage
from app.wechat.token import LOCK_SECONDS, LOCK_WAIT_SECONDS

__all__ = [
    "CodeSession",
    "Gateway",
    "WeChatCodeInvalid",
    "WeChatError",
    "WeChatNoAllowance",
    "WeChatRateLimited",
    "WeChatRejected",
    "WeChatTokenInvalid",
    "WeChatUnavailable",
    "gateway",
    "init_app",
]


def init_app(app: Flask) -> None:
    config = app.config
    if config["WECHAT_APPID"] and config["WECHAT_SECRET"]:
        storage, lock = shared_storage(app, hold_seconds=LOCK_SECONDS, wait_seconds=LOCK_WAIT_SECONDS)
        app.extensions["wechat"] = WeChatGateway.from_config(config, storage, lock)
    else:
        if config["MODE"] == "production":
            raise RuntimeError("sandbox WeChat is refused in production: set WECHAT_APPID/SECRET")
        app.logger.warning("微信沙箱模式已开启：未设置 WECHAT_APPID/WECHAT_SECRET，登录与推送均为模拟")
        app.extensions["wechat"] = SandboxGateway(tuple(config["SANDBOX_BLOCKED_WORDS"]))


def gateway() -> Gateway:
    return current_app.extensions["wechat"]
