"""python -m bots: the bot process. It starts, logs, and stops cleanly on SIGTERM or Ctrl+C."""

import logging
import signal
import threading

from app import create_app

log = logging.getLogger("bots")


def main() -> None:
    app = create_app()
    stop = threading.Event()

    def _stop(signum, _frame):
        log.info("收到信号 %s，调度进程正在退出", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    with app.app_context():
        log.info("调度进程已启动（%s 模式）", app.config["MODE"])
        while not stop.wait(1.0):
            pass
    log.info("调度进程已停止")


if __name__ == "__main__":
    main()
