"""flask chatbot …: try the chat bot on this machine, with a message signed as WeChat signs a delivery."""

import secrets
import shlex
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import click
from flask import current_app
from flask.cli import AppGroup

from app.core import clock
from app.wechat import callback
from app.wechat.gateway import SandboxGateway, WeChatCodeInvalid

DEFAULT_URL = "http://127.0.0.1:5000/wechat/callback"


@click.group(cls=AppGroup, help="聊天机器人：在本机模拟微信推送的消息。")
def chatbot():
    pass


@chatbot.command(
    "sign-test-message",
    help="生成一条按微信规则签名（安全模式下还会加密）的文字消息，输出可直接运行的 curl 命令。"
    "签名 5 分钟内有效，每条只能用一次。",
)
@click.option("--text", required=True, help="消息内容，如：帮助、我的任务、签到 签到码")
@click.option(
    "--code",
    "login_code",
    default="dev:volunteer-1",
    show_default=True,
    help="沙箱登录 code：消息以这个演示用户的身份发出",
)
@click.option("--openid", default=None, help="直接指定发送者的 openid（非沙箱模式时必填）")
@click.option("--url", default=DEFAULT_URL, show_default=True, help="消息推送地址")
def sign_test_message(text: str, login_code: str, openid: str | None, url: str):
    config = current_app.config
    token = config.get("WECHAT_TOKEN")
    if not token:
        raise click.ClickException("未配置 WECHAT_TOKEN（开发模式会自动生成于 instance/dev-secrets.json）")
    if openid is None:
        if not config["SANDBOX"]:
            raise click.ClickException("非沙箱模式请用 --openid 指定发送者")
        try:
            openid = SandboxGateway().code_to_session(login_code).openid
        except WeChatCodeInvalid:
            raise click.BadParameter("沙箱登录 code 应为 dev:<名字>", param_hint="--code") from None
    query, body = signed_message(openid, text)
    click.echo(
        f"curl -s -X POST {shlex.quote(url + '?' + urlencode(query))} "
        f"-H 'Content-Type: text/xml' --data-binary {shlex.quote(body)}"
    )
    click.echo("# 签名 5 分钟内有效、只能用一次；机器人的回复在该用户的收件箱（GET /api/v1/inbox）。", err=True)


def signed_message(openid: str, text: str) -> tuple[dict[str, str], str]:
    """The query string and body WeChat would post for a text from `openid`, now."""
    config = current_app.config
    token = config["WECHAT_TOKEN"]
    timestamp, nonce = str(int(clock.now().timestamp())), str(secrets.randbelow(10**10))
    xml = (
        f"<xml><ToUserName><![CDATA[gh_local_test]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{timestamp}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content>{escape(text)}</Content>"
        f"<MsgId>{secrets.randbelow(2**63)}</MsgId></xml>"
    )
    # The same signature inbound.verify checks: SHA-1 of the sorted parts.
    query = {"signature": callback.sign(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
    if not config.get("WECHAT_AES_KEY"):
        return query, xml
    if not config.get("WECHAT_APPID"):
        raise click.ClickException("安全模式需要 WECHAT_APPID")
    # Safe mode: encrypted for our appid, the ciphertext signed (msg_signature).
    sealed = callback.Envelope(token, config["WECHAT_AES_KEY"], config["WECHAT_APPID"]).seal(xml, nonce, timestamp)
    return {**query, "encrypt_type": "aes", "msg_signature": sealed.msg_signature}, sealed.body
