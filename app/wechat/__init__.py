"""The only code that talks to WeChat. No domain is imported here.

`gateway()` returns the app's one Gateway: real WeChat through wechatpy, or the sandbox when
credentials are unset (development and tests without a fake server).
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
        app.extensions["wechat"] = WeChatGateway.from_config(config, app.extensions.get("redis"))
    else:
        if config["MODE"] == "production":
            raise RuntimeError("sandbox WeChat is refused in production: set WECHAT_APPID/SECRET")
        app.logger.warning("微信沙箱模式已开启：未设置 WECHAT_APPID/WECHAT_SECRET，登录与推送均为模拟")
        app.extensions["wechat"] = SandboxGateway(tuple(config["SANDBOX_BLOCKED_WORDS"]))


def gateway() -> Gateway:
    return current_app.extensions["wechat"]
