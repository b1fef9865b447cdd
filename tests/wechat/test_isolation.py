"""Requests through wechat_app are rolled back with the test, like requests through `app`."""

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db


def test_wechat_app_writes_stay_in_the_test_transaction(app, wechat_app, wechat_api, fake_wechat):
    fake_wechat.add_code("code-iso", "openid-isolation")
    assert wechat_api.post("/auth/wechat-login", {"code": "code-iso"}).status_code == 200
    query = select(User.id).where(User.openid == "openid-isolation")

    with app.app_context():
        assert db.session.scalar(query) is not None  # the test sees its own write...
        assert _read_outside(query) is None  # ...nobody else does: it was never committed


def _read_outside(query):
    """Read on another connection without opening a transaction (on SQLite a transaction would
    wait for the test's write lock), so only committed data is seen."""
    outsider = db.engine.raw_connection()
    try:
        cursor = outsider.cursor()
        compiled = query.compile(db.engine)
        cursor.execute(
            str(compiled),
            tuple(compiled.params[name] for name in compiled.positiontup or ())
            if db.engine.dialect.paramstyle == "qmark"
            else compiled.params,
        )
        row = cursor.fetchone()
        return row[0] if row else None
    finally:
        outsider.rollback()
        outsider.close()
