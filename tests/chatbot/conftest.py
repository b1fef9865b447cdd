"""Chat bot fixtures: an app with a message-push token, and a stand-in for WeChat that signs
(and in safe mode encrypts) deliveries as WeChat's servers do."""

import pytest
from flask import request

from app import create_app
from app.chatbot import routes
from app.core import schemas
from tests.chatbot.helpers import AES_KEY, APPID, TOKEN, WeChatDeliveries


def _json_check_outside_callback(app) -> None:
    """Until app/core/schemas.check_json_body leaves /wechat/ alone (WeChat posts text/xml), skip it there."""
    funcs = app.before_request_funcs.get(None, [])
    if schemas.check_json_body in funcs:

        def check_json_body():
            if not request.path.startswith("/wechat/"):
                schemas.check_json_body()

        funcs[funcs.index(schemas.check_json_body)] = check_json_body


@pytest.fixture(autouse=True)
def _cheap(cheap_passwords):
    """Staff logins here hash cheaply (tests/fixtures.py)."""


@pytest.fixture(scope="session")
def chat_app(app):
    """The app with a push token (plain mode); `safe_mode` adds the AES key."""
    chat = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        RATELIMIT_ENABLED=True,
        WECHAT_TOKEN=TOKEN,
        WECHAT_APPID=APPID,
    )
    if "chatbot" not in chat.blueprints:  # until app/__init__.py registers it
        chat.register_blueprint(routes.bp)
    _json_check_outside_callback(chat)
    return chat


@pytest.fixture
def wechat(chat_app):
    """Deliveries from WeChat's side: `wechat.text(openid, "我的任务")`."""
    return WeChatDeliveries(chat_app.test_client())


@pytest.fixture
def safe_mode(chat_app, monkeypatch, wechat):
    """The account's push is in safe mode: WECHAT_AES_KEY set, deliveries encrypted."""
    monkeypatch.setitem(chat_app.config, "WECHAT_AES_KEY", AES_KEY)
    wechat.safe = True
    return wechat
