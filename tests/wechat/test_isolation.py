"""Requests through wechat_app are rolled back with the test, like requests through `app`."""

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db


def test_wechat_app_writes_stay_in_the_test_transaction(app, wechat_app, wechat_api, fake_wechat):
    fake_wechat.add_code("code-iso", "openid-isolation")
    assert wechat_api.post("/auth/wechat-login", {"code": "code-iso"}).status_code == 200
    query = select(User.id).where(User.openid == "openid-isolation")

    with wechat_app.app_context():
        pool = db.engine.pool
        assert pool.checkedin() + pool.checkedout() == 0, "wechat_app opened its own connection"
    with app.app_context():
        assert db.session.scalar(query) is not None  # the test sees its own write...
        with db.engine.connect() as outsider:
            assert outsider.scalar(query) is None  # ...nobody else does: it was never committed
