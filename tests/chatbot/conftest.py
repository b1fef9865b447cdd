"""Chat bot fixtures: an app with a message-push token, and a stand-in for WeChat that signs
(and in safe mode encrypts) pushes as WeChat's servers do."""

import pytest
from flask import request

from app import create_app
from app.chatbot import routes
from app.core import schemas
from tests.chatbot.helpers import AES_KEY, APPID, TOKEN, WeChatPush
from tests.sessions.helpers import cheap_passwords  # noqa: F401 — autouse: staff logins hash cheaply


def _json_check_outside_push(app) -> None:
    """Until app/core/schemas.check_json_body leaves /wechat/ alone (WeChat posts text/xml), skip it there."""
    funcs = app.before_request_funcs.get(None, [])
    if schemas.check_json_body in funcs:

        def check_json_body():
            if not request.path.startswith("/wechat/"):
                schemas.check_json_body()

        funcs[funcs.index(schemas.check_json_body)] = check_json_body


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
    _json_check_outside_push(chat)
    return chat


@pytest.fixture
def wechat(chat_app):
    """Pushes from WeChat's side: `wechat.text(openid, "我的任务")`."""
    return WeChatPush(chat_app.test_client())


@pytest.fixture
def safe_mode(chat_app, monkeypatch, wechat):
    """The account's push is in safe mode: WECHAT_AES_KEY set, pushes encrypted."""
    monkeypatch.setitem(chat_app.config, "WECHAT_AES_KEY", AES_KEY)
    wechat.safe = True
    return wechat
