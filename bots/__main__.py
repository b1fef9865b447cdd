"""python -m bots: the bot process. SIGTERM or Ctrl+C stops it cleanly (exit code 0)."""

import logging
import os
import signal
import sys

from app import create_app
from app.observability import logs
from bots.process import Bot

log = logging.getLogger("bots")


def main() -> int:
    # The web app's formatter (LOG_FORMAT=json: one JSON object a line), from the first line on; create_app
    # configures the same handler again from its settings.
    logs.configure(os.environ.get("LOG_FORMAT", "text").lower())
    app = create_app()
    # APScheduler speaks English at INFO; the bot says what matters itself (in Chinese).
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    bot = Bot.for_app(app)

    def _stop(signum, _frame):
        log.info("收到信号 %s，调度进程正在退出", signal.Signals(signum).name)
        bot.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    log.info("调度进程（%s 模式）", app.config["MODE"])
    bot.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
