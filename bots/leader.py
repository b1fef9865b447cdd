"""Who schedules, and which runs happened: the leader lease and the job-run record.

Only the holder of the lease schedules periodic jobs. With Redis the lease is a key taken with
`SET NX PX` and renewed only by its holder; in single-process mode it is a row in `leases` taken
and renewed by one conditional UPDATE. A lease can still be held by two processes for a moment
(a paused holder wakes after its lease expired), so every run is first claimed in `job_runs` under
(job, scheduled time): the unique key lets exactly one claim win, and a claimed run never runs again.

Lease and run bookkeeping measure real seconds of process liveness, so they read the wall clock,
never the service clock that tests and simulations may freeze.
"""

import json
import os
import secrets
import socket
from abc import ABC, abstractmethod
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, update

from app.core.db import insert_ignoring_conflicts, rowcount
from app.extensions import db
from app.scheduling.models import JobRun, Lease

RUNNING, DONE, FAILED = "running", "done", "failed"


def wall_now() -> datetime:
    return datetime.now(UTC)


def new_holder(kind: str = "bot") -> str:
    """An identity for one process: host and pid for operators, a random tail so restarts differ."""
    return f"{kind}:{socket.gethostname()[:24]}:{os.getpid()}:{secrets.token_hex(3)}"


# --- the lease -------------------------------------------------------------------------------


class LeaderLease(ABC):
    """One named lease with a time to live; `hold` takes it when free and renews it for its holder."""

    def __init__(self, name: str, ttl_seconds: float):
        self.name = name
        self.ttl = timedelta(seconds=ttl_seconds)

    @abstractmethod
    def hold(self, holder: str) -> bool:
        """Take the lease if it is free or expired, renew it if `holder` has it; True when held."""

    @abstractmethod
    def release(self, holder: str) -> None:
        """Give the lease up at once (only if `holder` has it), so a standby need not wait out the TTL."""

    @abstractmethod
    def holder(self) -> str | None:
        """Who holds the lease now, if anyone."""


class RedisLease(LeaderLease):
    # Renew and release only our own key: a lease that expired and went to another holder stays theirs.
    _RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
    _RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"

    def __init__(self, redis, name: str, ttl_seconds: float, prefix: str = "volunteers"):
        super().__init__(name, ttl_seconds)
        self.redis = redis
        self.key = f"{prefix}:lease:{name}"
        self._renew = redis.register_script(self._RENEW)
        self._release = redis.register_script(self._RELEASE)

    @property
    def _ttl_ms(self) -> int:
        return max(1, int(self.ttl.total_seconds() * 1000))

    def hold(self, holder: str) -> bool:
        if self._renew(keys=[self.key], args=[holder, self._ttl_ms]):
            return True
        return bool(self.redis.set(self.key, holder, nx=True, px=self._ttl_ms))

    def release(self, holder: str) -> None:
        self._release(keys=[self.key], args=[holder])

    def holder(self) -> str | None:
        value = self.redis.get(self.key)
        return value.decode() if isinstance(value, bytes) else value


class DatabaseLease(LeaderLease):
    """The lease as a row; each call is its own short transaction, apart from any session's work."""

    def hold(self, holder: str) -> bool:
        now = wall_now()
        # RETURNING, not rowcount: drivers do not all report rows for INSERT … ON CONFLICT DO NOTHING.
        with db.engine.begin() as connection:
            taken = connection.execute(
                update(Lease)
                .where(Lease.name == self.name, or_(Lease.holder == holder, Lease.expires_at <= now))
                .values(holder=holder, expires_at=now + self.ttl)
                .returning(Lease.name)
            ).first()
            if taken is None:
                taken = connection.execute(
                    insert_ignoring_conflicts(Lease)
                    .values(name=self.name, holder=holder, expires_at=now + self.ttl)
                    .returning(Lease.name)
                ).first()
            return taken is not None

    def release(self, holder: str) -> None:
        with db.engine.begin() as connection:
            connection.execute(
                update(Lease)
                .where(Lease.name == self.name, Lease.holder == holder)
                .values(expires_at=wall_now() - timedelta(seconds=1))
            )

    def holder(self) -> str | None:
        with db.engine.connect() as connection:
            row = connection.execute(
                Lease.__table__.select().where(Lease.name == self.name, Lease.expires_at > wall_now())
            ).one_or_none()
        return row.holder if row else None


def lease_for(app, name: str, ttl_seconds: float) -> LeaderLease:
    """Redis when the app has it (several hosts may share it); else the database (one host)."""
    redis = app.extensions.get("redis")
    if redis is not None:
        return RedisLease(redis, name, ttl_seconds, prefix=app.config["RATELIMIT_KEY_PREFIX"])
    return DatabaseLease(name, ttl_seconds)


# --- the record of runs ----------------------------------------------------------------------


def claim_run(job: str, scheduled_for: datetime, holder: str) -> int | None:
    """Record that `holder` starts this run; None when the run was already claimed (by anyone).

    The caller commits at once, so other processes see the claim before the work begins.
    """
    return db.session.execute(
        insert_ignoring_conflicts(JobRun)
        .values(job=job, scheduled_for=scheduled_for, holder=holder, started_at=wall_now(), status=RUNNING)
        .returning(JobRun.id)
    ).scalar_one_or_none()


def finish_run(run_id: int, status: str, result=None) -> None:
    """Mark the run done or failed, in the transaction that commits the job's work (or after its rollback)."""
    db.session.execute(
        update(JobRun)
        .where(JobRun.id == run_id)
        .values(status=status, finished_at=wall_now(), result=_summary(result))
        .execution_options(synchronize_session=False)
    )


def _summary(result) -> str | None:
    if result is None or isinstance(result, str):
        return result and result[:500]
    return json.dumps(result, ensure_ascii=False, default=str)[:500]


def prune_runs(now: datetime | None = None) -> int:
    """Forget runs older than BOT_RUNS_KEEP_DAYS; their scheduled times are far past any misfire grace."""
    keep = timedelta(days=current_app.config["BOT_RUNS_KEEP_DAYS"])
    cutoff = (now or wall_now()) - keep
    return rowcount(db.session.execute(delete(JobRun).where(JobRun.started_at < cutoff)))
