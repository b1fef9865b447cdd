"""A sender in its own process, for tests that kill one: python -m tests.notify.run_sender DB_URL WECHAT_URL RATE."""

import sys

from app import create_app
from app.notify import sender
from tests.fake_wechat import APPID, SECRET


def main(database_url: str, wechat_url: str, rate: str) -> None:
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=database_url,
        WECHAT_APPID=APPID,
        WECHAT_SECRET=SECRET,
        WECHAT_API_BASE=wechat_url,
        WECHAT_TIMEOUT_SECONDS=2,
        SEND_RATE_PER_SECOND=float(rate),
    )
    with app.app_context():
        print("ready", flush=True)
        while sender.send_due(batch=50, worker="doomed")["claimed"]:
            pass


if __name__ == "__main__":
    main(*sys.argv[1:])
