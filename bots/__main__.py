"""python -m bots: the bot process (`--sender-only`: an extra outbox sender, bots/senders.py).

SIGTERM or Ctrl+C stops it cleanly (exit code 0).
"""

import argparse
import logging
import os
import signal
import sys

from app import create_app
from app.observability import logs
from bots.process import Bot
from bots.senders import SenderLoop

log = logging.getLogger("bots")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bots", description="调度进程")
    parser.add_argument("--sender-only", action="store_true", help="只发送待发消息，不参与主调度（需要 Redis）")
    options = parser.parse_args(argv)
    # The web app's formatter (LOG_FORMAT=json: one JSON object a line), from the first line on; create_app
    # configures the same handler again from its settings.
    logs.configure(os.environ.get("LOG_FORMAT", "text").lower())
    app = create_app()
    # APScheduler speaks English at INFO; the bot says what matters itself (in Chinese).
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    process = SenderLoop(app) if options.sender_only else Bot.for_app(app)

    def _stop(signum, _frame):
        log.info("收到信号 %s，进程正在退出", signal.Signals(signum).name)
        process.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    log.info("调度进程（%s 模式）", app.config["MODE"])
    process.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
