"""Trying the chat bot on one's own machine: `flask chatbot sign-test-message` prints a curl
command whose signed message /wechat/callback accepts; development generates the push token."""

import json
import logging
import shlex
import stat
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

import app as application
from app.accounts.models import User
from app.extensions import db
from app.wechat.gateway import SandboxGateway
from tests.chatbot.helpers import replies


def sign(chat_app, *options: str):
    return chat_app.test_cli_runner().invoke(args=["chatbot", "sign-test-message", *options])


def post_as_curl_would(chat_app, command: str):
    """Run the printed curl command against the test client: its URL, header and body."""
    words = shlex.split(command)
    assert words[:4] == ["curl", "-s", "-X", "POST"] and words[6] == "Content-Type: text/xml", words
    url = urlsplit(words[4])
    assert url.path == "/wechat/callback"
    return chat_app.test_client().post(
        url.path, query_string=dict(parse_qsl(url.query)), data=words[8].encode(), content_type="text/xml"
    )


def user_of(chat_app, code: str) -> int:
    openid = SandboxGateway().code_to_session(code).openid
    with chat_app.app_context():
        return db.session.scalar(select(User.id).where(User.openid == openid))


@pytest.mark.parametrize("safe", [False, True], ids=["plain", "safe-mode"])
def test_the_signed_test_message_is_accepted_and_answered(chat_app, request, safe):
    if safe:
        request.getfixturevalue("safe_mode")
    result = sign(chat_app, "--text", "帮助", "--code", "dev:chat-tryout")
    assert result.exit_code == 0, result.output
    response = post_as_curl_would(chat_app, result.stdout.strip())
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_data(as_text=True) == "success"
    (reply,) = replies(chat_app, user_of(chat_app, "dev:chat-tryout"))
    assert "可回复以下指令" in reply.body
    # Used once: the same command again is a replay, answered "success" (as WeChat expects) and not acted on.
    assert post_as_curl_would(chat_app, result.stdout.strip()).get_data(as_text=True) == "success"
    assert len(replies(chat_app, user_of(chat_app, "dev:chat-tryout"))) == 1


def test_without_a_push_token_it_says_so(chat_app, monkeypatch):
    monkeypatch.setitem(chat_app.config, "WECHAT_TOKEN", None)
    result = sign(chat_app, "--text", "帮助")
    assert result.exit_code != 0 and "WECHAT_TOKEN" in result.output


# --- the development push token ------------------------------------------------------------------


def configure(tmp_path, mode: str, **overrides) -> Flask:
    """What create_app does with settings, on a bare app whose instance folder is `tmp_path`."""
    app = Flask("volunteers-settings", instance_path=str(tmp_path))
    unset = {"SECRET_KEY": None, "FIELD_ENCRYPTION_KEY": None, "WECHAT_TOKEN": None}
    application._configure(app, mode, {**unset, "SQLALCHEMY_DATABASE_URI": "sqlite://", **overrides})
    return app


def test_development_generates_a_push_token_and_keeps_it(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        first = configure(tmp_path, "development")
    token = first.config["WECHAT_TOKEN"]
    assert token and token.isalnum() and 3 <= len(token) <= 32  # what WeChat accepts
    secrets_file = tmp_path / "dev-secrets.json"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert configure(tmp_path, "development").config["WECHAT_TOKEN"] == token
    assert "WECHAT_TOKEN" in caplog.text


def test_an_older_secrets_file_gets_the_token_added_and_keeps_its_keys(tmp_path):
    older = {"SECRET_KEY": "kept-secret", "FIELD_ENCRYPTION_KEY": "q8o2y1d0i1Y2b3c4d5e6f7g8h9i0j1k2l3m4n5o6p7Q="}
    (tmp_path / "dev-secrets.json").write_text(json.dumps(older))
    app = configure(tmp_path, "development")
    stored = json.loads((tmp_path / "dev-secrets.json").read_text())
    assert {key: stored[key] for key in older} == older
    assert stored["WECHAT_TOKEN"] == app.config["WECHAT_TOKEN"]
    assert app.config["SECRET_KEY"] == "kept-secret"


def test_a_token_from_the_environment_wins_and_is_not_stored(tmp_path):
    app = configure(tmp_path, "development", WECHAT_TOKEN="fromtheenvironment")
    assert app.config["WECHAT_TOKEN"] == "fromtheenvironment"
    assert "WECHAT_TOKEN" not in json.loads((tmp_path / "dev-secrets.json").read_text())


def test_the_suite_gets_no_token_it_did_not_ask_for(tmp_path):
    app = configure(tmp_path, "test", SECRET_KEY="s", FIELD_ENCRYPTION_KEY="k")
    assert app.config["WECHAT_TOKEN"] is None
    assert not (tmp_path / "dev-secrets.json").exists()
