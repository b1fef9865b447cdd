"""The periodic jobs, as data: what runs, when, and how late a run may still start.

Functions are named by dotted path ("module:function") and imported when the bot starts, so a job
whose module is not there yet is skipped with a warning instead of breaking the process. Each
function takes no argument (domain functions default `now` to the service clock), runs in an app
context, only flushes, and the runner commits once.

Triggers are aligned to fixed instants (interval triggers count from ANCHOR, cron triggers from the
calendar), so every bot process computes the same scheduled times: the unique (job, scheduled time)
key of `job_runs` can then tell that two processes were about to do the same run.
"""

from dataclasses import dataclass
from datetime import datetime

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from app.core.clock import SERVICE_ZONE

ANCHOR = datetime(2024, 1, 1, tzinfo=SERVICE_ZONE)


@dataclass(frozen=True)
class Job:
    name: str
    trigger: BaseTrigger
    function: str
    #: How late (seconds) a run may still start; a run later than this is skipped, the next one catches up.
    misfire_grace_time: int
    #: Run at once when a bot gains the lease (its next scheduled run, started early), instead of
    #: waiting for the schedule: what everything else depends on (the token, the outbox).
    run_on_lead: bool = False


def every(*, seconds: int = 0, minutes: int = 0, hours: int = 0) -> IntervalTrigger:
    return IntervalTrigger(seconds=seconds, minutes=minutes, hours=hours, start_date=ANCHOR, timezone=SERVICE_ZONE)


def cron(**fields) -> CronTrigger:
    """A calendar trigger in the service's zone (Asia/Shanghai), e.g. cron(hour=4, minute=30)."""
    return CronTrigger(timezone=SERVICE_ZONE, second=0, **fields)


JOBS: list[Job] = [
    # The outbox: push what is due by WeChat (retries are rows with a next-attempt time), batch after
    # batch while there is more (bots.tasks wraps app.notify.sender:send_due).
    Job("outbox_send", every(seconds=5), "bots.tasks:send_outbox", misfire_grace_time=30, run_on_lead=True),
    # The access-token refresher: renews ahead of expiry (callers refresh only a token WeChat refused).
    Job(
        "wechat_token",
        every(minutes=1),
        "app.wechat.token:refresh_if_needed",
        misfire_grace_time=60,
        run_on_lead=True,
    ),
    # Staff broadcasts whose send_at has come: resolve the audience into the outbox.
    Job("broadcasts_due", every(seconds=15), "app.broadcasts.operations:resolve_due", misfire_grace_time=60),
    # Reminders before sign-ups (24 h, 2 h) and the secretaries' digest the evening before.
    Job("reminders", every(minutes=5), "app.reminders.operations:queue_due", misfire_grace_time=300),
    # Recurring needs and sessions stay materialised a window ahead.
    Job("series_extend", cron(minute=7), "app.activities.series:extend_all_series", misfire_grace_time=3600),
    # Dispatch offers past their expiry free the seats they held.
    Job("offers_expire", every(minutes=1), "app.dispatch.offers:expire_due", misfire_grace_time=120),
    # A dispatch round per county with open slots, in a worker process (declines and expiries are re-offered at
    # once, not here).
    Job("dispatch_round", every(hours=1), "bots.worker:dispatch_rounds", misfire_grace_time=1800),
    # Open needs still short of volunteers DISPATCH_ESCALATE_HOURS before the start: county staff are told, once.
    Job("dispatch_escalate", every(hours=1), "app.dispatch.escalation:escalate_unfilled", misfire_grace_time=1800),
    # The weekly digest of open needs near home for volunteers who opted in: Mondays 08:00 in the service's zone.
    Job(
        "dispatch_digest",
        cron(day_of_week="mon", hour=8, minute=0),
        "app.dispatch.digest:send_weekly",
        misfire_grace_time=6 * 3600,
    ),
    # Activities whose end has passed become done.
    Job("activities_finish", every(minutes=5), "app.activities.lifecycle:finish_past", misfire_grace_time=300),
    # Forgotten check-outs close at the scheduled end, marked for review.
    Job("attendance_close", every(minutes=10), "app.attendance.operations:close_forgotten", misfire_grace_time=600),
    # Confirmed sign-ups never checked in become no-shows NO_SHOW_AFTER_HOURS after the end (told in the inbox).
    Job("attendance_no_shows", every(minutes=30), "app.attendance.no_shows:mark_due", misfire_grace_time=1800),
    # Expired check-in codes let go of their QR images.
    Job("checkin_qr_prune", every(minutes=10), "app.attendance.codes:forget_expired_qr", misfire_grace_time=600),
    # Failed staff logins (by the name tried) are forgotten after a day.
    Job(
        "login_failures_prune",
        cron(hour=4, minute=40),
        "app.accounts.operations:forget_old_login_failures",
        misfire_grace_time=3600,
    ),
    # The run record is kept BOT_RUNS_KEEP_DAYS days.
    Job("job_runs_prune", cron(hour=4, minute=30), "bots.leader:prune_runs", misfire_grace_time=3600),
]
