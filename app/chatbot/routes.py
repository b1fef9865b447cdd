"""GET, POST /wechat/callback: what WeChat delivers (its "message push", outside /api/v1 and its JSON contract).

WeChat waits five seconds and then retries, so the answer is a quick "success"; replies go
through the outbox and are sent after the commit, never from here.
"""

from flask import Blueprint, Response, request

from app.chatbot import inbound, operations

bp = Blueprint("chatbot", __name__, url_prefix="/wechat")


@bp.get("/callback")
def check_server():
    """WeChat's check when the push URL is configured: echo echostr if the signature is ours."""
    return _text(inbound.verify_server(request.args))


@bp.post("/callback")
def receive():
    delivery = inbound.verify(request.args, request.get_data())
    with inbound.once(delivery) as first:
        if first:
            operations.receive(delivery.message)
    return _text("success")


def _text(body: str) -> Response:
    return Response(body, mimetype="text/plain")
