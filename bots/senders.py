"""An extra sender: `python -m bots --sender-only` drains the outbox beside the bot, holding no lease.

Senders share the outbox safely without a leader: each batch is claimed row by row (FOR UPDATE SKIP
LOCKED on PostgreSQL, then a conditional UPDATE of the claim), and the send rate is one token bucket
in Redis shared by every process. So an operator adds senders for a large broadcast and takes them
away again; the leader's own sender job keeps running meanwhile. Without Redis each process would
keep a bucket of its own and together exceed WeChat's rate, so this mode refuses to start.
"""

import logging
import threading

from flask import g

from app.extensions import redis_client
from bots import leader
from bots.tasks import send_outbox

log = logging.getLogger("bots")


class SenderLoop:
    def __init__(self, app, *, idle_seconds: float = 2.0):
        self.app = app
        self.idle_seconds = idle_seconds
        self.holder = leader.new_holder("sender")
        self._stop = threading.Event()

    def run(self) -> None:
        with self.app.app_context():
            if redis_client() is None:
                raise SystemExit("额外的发送进程需要 Redis（REDIS_URL）：发送速率由各进程共享的令牌桶控制")
        log.info("发送进程 %s 已启动（不参与主调度）", self.holder)
        while not self._stop.is_set():
            sent = self._drain()
            if not sent:
                self._stop.wait(self.idle_seconds)
        log.info("发送进程 %s 已停止", self.holder)

    def stop(self) -> None:
        self._stop.set()

    def _drain(self) -> int:
        """One drain of whatever is due; the number of messages claimed (0: nothing due, rest a moment)."""
        with self.app.app_context():
            try:
                g.bot_stopping = self._stop
                return send_outbox().get("claimed", 0)
            except Exception as error:  # the database or Redis is away: wait and try again
                log.warning("发送进程本轮未能发送（%s），稍后重试", type(error).__name__)
                return 0
