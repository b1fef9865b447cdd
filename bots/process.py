"""The bot: whoever holds the leader lease schedules the jobs; the others wait and take over.

The main thread keeps the lease (renewing it every BOT_LEASE_RENEW_SECONDS); APScheduler's
background thread fires the jobs into a thread pool. On gaining the lease the jobs are added, each
starting from its latest scheduled time still inside its misfire grace, so a run the old leader
missed just before dying still happens (and one it did run is skipped by its job_runs row). Jobs
marked `run_on_lead` (the token refresher, the sender) do not wait for the schedule, nor risk a
catch-up at the very edge of its grace: their next scheduled run starts at once, recorded under its
scheduled time like any other (a bot that still believes it leads skips it), and the schedule goes
on from the run after it. On losing the lease the jobs are removed; a run in progress finishes.
stop() lets running jobs finish, keeps the lease meanwhile, then releases it so a standby takes
over at once.
"""

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
from apscheduler.executors.base import MaxInstancesReachedError
from apscheduler.schedulers.background import BackgroundScheduler

from app.core.clock import SERVICE_ZONE
from bots import leader, runner
from bots.jobs import Job

log = logging.getLogger("bots")


class Bot:
    def __init__(
        self,
        app,
        jobs: list[tuple[Job, Callable]],
        *,
        lease: leader.LeaderLease,
        holder: str | None = None,
        renew_seconds: float = 10,
        workers: int = 4,
    ):
        self.app = app
        self.jobs = jobs
        self.lease = lease
        self.holder = holder or leader.new_holder()
        self.renew_seconds = renew_seconds
        self.leading = False
        self._stop = threading.Event()
        self._executor = runner.RecordingExecutor(workers)
        self.scheduler = BackgroundScheduler(
            executors={"default": self._executor},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=SERVICE_ZONE,
        )
        self.scheduler.add_listener(self._missed, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)

    @classmethod
    def for_app(cls, app, *, holder: str | None = None) -> "Bot":
        config = app.config
        ttl = config["BOT_LEASE_TTL_SECONDS"]
        with app.app_context():
            jobs = runner.load(runner.resolve(config["BOT_JOBS"]))
            lease = leader.lease_for(app, config["BOT_LEASE_NAME"], ttl)
        return cls(
            app,
            jobs,
            lease=lease,
            holder=holder,
            renew_seconds=min(config["BOT_LEASE_RENEW_SECONDS"], ttl / 3),
            workers=config["BOT_WORKERS"],
        )

    def run(self) -> None:
        """Keep (or wait for) the lease until stop(); then finish running jobs and release it."""
        mode = "Redis" if isinstance(self.lease, leader.RedisLease) else "数据库"
        log.info("调度进程 %s 已启动：%d 个任务，主调度权租约存于%s", self.holder, len(self.jobs), mode)
        self.scheduler.start()
        try:
            while not self._stop.is_set():
                self._keep_lease()
                self._stop.wait(self.renew_seconds)
        finally:
            self._shut_down()
        log.info("调度进程 %s 已停止", self.holder)

    def stop(self) -> None:
        self._stop.set()

    def _hold(self) -> bool:
        with self.app.app_context():
            try:
                return self.lease.hold(self.holder)
            except Exception as error:
                log.warning("无法取得或续租主调度权（%s）", type(error).__name__)
                return False

    def _keep_lease(self) -> None:
        held = self._hold()
        if held and not self.leading:
            self._lead()
        elif not held and self.leading:
            self._step_down()

    def _lead(self) -> None:
        now = datetime.now(UTC)
        at_once = []
        for job, function in self.jobs:
            # A run_on_lead job's next scheduled run starts now rather than then; the schedule follows.
            first = job.trigger.get_next_fire_time(None, now) if job.run_on_lead else None
            if first is not None:
                following = job.trigger.get_next_fire_time(first, first)
            else:
                following = job.trigger.get_next_fire_time(None, now - timedelta(seconds=job.misfire_grace_time))
            scheduled = self.scheduler.add_job(
                self._run,
                trigger=job.trigger,
                args=(job, function),
                id=job.name,
                name=job.name,
                misfire_grace_time=job.misfire_grace_time,
                coalesce=True,
                max_instances=1,
                next_run_time=following,
                replace_existing=True,
            )
            if first is not None:
                at_once.append((scheduled, first))
        self.leading = True
        log.info("调度进程 %s 取得主调度权，开始调度", self.holder)
        for scheduled, first in at_once:
            # Through the scheduler's own executor, as the job itself: recorded under `first` in
            # job_runs, and max_instances keeps the job's next scheduled run from overlapping it.
            try:
                self._executor.submit_job(scheduled, [first])
            except MaxInstancesReachedError:  # still running from an earlier term as leader
                log.info("任务 %s 上一次尚未结束，不再立即运行", scheduled.id)
                continue
            when = first.astimezone(SERVICE_ZONE)
            log.info("任务 %s 在取得主调度权时立即运行（计划 %s）", scheduled.id, f"{when:%H:%M:%S}")

    def _step_down(self) -> None:
        self.scheduler.remove_all_jobs()
        self.leading = False
        log.warning("调度进程 %s 失去主调度权，停止调度，转为待命", self.holder)

    def _run(self, job: Job, function: Callable, *, scheduled_for: datetime | None = None) -> None:
        # RecordingExecutor always passes scheduled_for; the default only satisfies APScheduler's argument check.
        scheduled_for = scheduled_for or leader.wall_now()
        try:
            runner.execute(self.app, job, function, scheduled_for, self.holder, stopping=self._stop)
        except Exception as error:
            # The run could not even be recorded (e.g. the database is unreachable); the next one retries.
            log.error("任务 %s 无法记录或完成（%s）", job.name, type(error).__name__)

    def _missed(self, event) -> None:
        if event.code == EVENT_JOB_MISSED:
            log.warning("任务 %s 错过计划时间且超出宽限，跳过本次（下次运行会补上）", event.job_id)
        else:  # normal while the outbox drains a broadcast
            log.debug("任务 %s 上一次尚未结束，跳过本次", event.job_id)

    def _shut_down(self) -> None:
        log.info("调度进程 %s 正在退出：不再开始新任务，等待运行中的任务结束", self.holder)
        if self.leading:
            self.scheduler.remove_all_jobs()
        finishing = threading.Thread(target=self.scheduler.shutdown, kwargs={"wait": True}, name="bot-shutdown")
        finishing.start()
        while finishing.is_alive():
            if self.leading:
                self._hold()  # a standby must not start the next run of a job still finishing here
            finishing.join(self.renew_seconds)
        with self.app.app_context():
            try:
                self.lease.release(self.holder)
            except Exception as error:
                log.warning("释放主调度权失败（%s），待命进程将在租约到期后接管", type(error).__name__)
        self.leading = False
