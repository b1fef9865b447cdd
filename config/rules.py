"""Service rules as data. Each is a config key; an environment variable of the same name overrides it."""

RULES = {
    # Sign-ups close this many minutes before an activity starts.
    "SIGNUP_CLOSE_MINUTES": 120,
    # Recurring series: occurrences are kept materialised this many weeks ahead.
    "SERIES_WINDOW_WEEKS": 8,
    # A series may not run longer than this many days from its first occurrence.
    "SERIES_MAX_DAYS": 400,
    # One materialisation of a series creates at most this many occurrences (a daily series over the
    # window needs 57); the rest come on the next run.
    "SERIES_MAX_PER_RUN": 100,
    # Check-in codes rotate: each is valid this many seconds after it is shown.
    "CHECKIN_CODE_TTL_SECONDS": 180,
    # Check-in opens this many minutes before the start.
    "CHECKIN_OPENS_MINUTES": 60,
    # Geofence: a volunteer who consented to share location checks in and out within this many metres
    # of the organiser's phone, when that phone gave its position with the code.
    "CHECKIN_GEOFENCE_METERS": 500,
    # Hours: service time inside the scheduled window, rounded to this step (hours), "nearest" or "down".
    "HOURS_STEP": 0.5,
    "HOURS_ROUNDING": "nearest",
    # Check-in/out must cover at least this share of the scheduled time, or the record needs review.
    "HOURS_MIN_SHARE": 0.5,
    # Confirmed hours needed for one to five stars (一星 … 五星).
    "STAR_THRESHOLDS": [100, 300, 600, 1000, 1500],
    # Sandbox content safety: text containing any of these is refused, as msgSecCheck would.
    "SANDBOX_BLOCKED_WORDS": ["赌博", "诈骗", "代开发票", "六合彩"],
    # Reminders before each confirmed sign-up (hours before the start); one overdue by more than the grace is
    # skipped, not sent late. Secretaries get tomorrow's list at this hour (Asia/Shanghai) the day before.
    "REMINDER_OFFSETS_HOURS": [24, 2],
    "REMINDER_GRACE_MINUTES": 60,
    "SECRETARY_DIGEST_HOUR": 18,
    # The bot: its job list, leader lease, worker threads, outbox draining, and how long job runs are kept.
    "BOT_JOBS": "bots.jobs:JOBS",
    "BOT_LEASE_NAME": "bots",
    "BOT_LEASE_TTL_SECONDS": 30,
    "BOT_LEASE_RENEW_SECONDS": 10,
    "BOT_WORKERS": 4,
    "BOT_SEND_BATCH": 100,
    "BOT_SEND_DRAIN_SECONDS": 50,
    "BOT_RUNS_KEEP_DAYS": 14,
    # The outbox sender: WeChat pushes per second across all senders (token bucket; a burst of 0 is a tenth of a
    # second's worth), retries with exponential backoff and jitter up to a number of attempts (then dead-lettered:
    # the delay before attempt n+1 is min(MAX, BASE * 2**(n-1)) seconds, times a random factor in [0.5, 1)), and how
    # long a claim on a message lasts (renewed by a live sender every third of it; a sender that dies releases its
    # messages after this, so a restarted bot resumes a broadcast within it).
    "SEND_RATE_PER_SECOND": 20,
    "SEND_RATE_BURST": 0,
    "SEND_MAX_ATTEMPTS": 8,
    "SEND_RETRY_BASE_SECONDS": 30,
    "SEND_RETRY_MAX_SECONDS": 1800,
    "SEND_CLAIM_SECONDS": 30,
    # The dispatcher. Integer weights of the cost terms (app.dispatch.eligibility.term_costs): cost by reach level
    # 0 same village … 4 same province, 5 outside; the paired (结对帮扶) reach level; per missing wished-for skill
    # share; fairness per hour and per offer in the last 90 days (capped); reliability per no-show and per decline
    # (barely: declining is a right; capped); not a member of the area team; "近期服务较少" below these figures.
    "DISPATCH_WEIGHTS": {
        "reach": [0, 20, 50, 120, 250, 400],
        "paired_reach_level": 2,
        "skill_miss": 40,
        "hour_90d": 2,
        "hour_90d_cap": 60,
        "offer_90d": 5,
        "offer_90d_cap": 12,
        "no_show": 30,
        "no_show_cap": 5,
        "decline": 1,
        "decline_cap": 5,
        "not_member": 60,
        "few_hours_90d": 8,
        "few_offers_90d": 2,
    },
    # A round takes open slots starting within this many days.
    "DISPATCH_HORIZON_DAYS": 14,
    # The widest reach level offered (0 same village, 1 township, 2 county, 3 city); one level wider once the
    # start is within 72 hours.
    "DISPATCH_MAX_REACH": 2,
    # A volunteer holds at most this many open offers.
    "DISPATCH_MAX_OPEN_OFFERS": 3,
    # An offer expires after this many hours, or when sign-up closes if that comes first.
    "DISPATCH_OFFER_HOURS": 24,
    # Priority (突出深度贫困地区): subtracted from every cost of a slot in a deep-poverty county / a poor village,
    # so scarce volunteers go there first.
    "DISPATCH_PRIORITY_BONUS": {"deep_poverty": 200, "poor_village": 100},
    # Hours a month (confirmed sign-ups and open offers) a volunteer is offered at most, unless they set their own.
    "DISPATCH_MONTHLY_HOURS": 40,
    # A rest day: no offer within DISPATCH_REST_HOURS of a service at least DISPATCH_LONG_SERVICE_HOURS long.
    "DISPATCH_LONG_SERVICE_HOURS": 6,
    "DISPATCH_REST_HOURS": 24,
    # The fairness rollup (hours and offers in 90 days) is refreshed daily; a round finding it older refreshes it.
    "DISPATCH_ROLLUP_MAX_AGE_HOURS": 24,
    # Each slot keeps this many ranked next candidates for an incremental re-offer.
    "DISPATCH_CANDIDATES": 5,
    # The bot runs rounds in a worker process (bots/worker.py), so its other jobs never wait behind a solve.
    "DISPATCH_IN_WORKER": True,
    # 扶贫接力: relay series stay materialised at least this many weeks ahead, and rounds offer their occurrences
    # within it; a gap in it (an occurrence with a free seat nobody is being asked for) is escalated at once.
    "DISPATCH_RELAY_WEEKS_AHEAD": 4,
    # Open needs still short of volunteers this many hours before the start are escalated to county staff (once).
    "DISPATCH_ESCALATE_HOURS": 48,
    # The weekly digest (Mondays): at most this many open needs starting within this many days.
    "DISPATCH_DIGEST_DAYS": 14,
    "DISPATCH_DIGEST_MAX_NEEDS": 5,
    # The organisation named on certificates.
    "CERTIFICATE_ISSUER": "共青团山西省委员会",
    # No-shows (app.attendance.no_shows): a confirmed sign-up whose activity ended this many hours ago without the
    # volunteer checking in becomes no_show, if the organiser ran check-in (issued a code); the bot looks back over
    # activities that ended in the last NO_SHOW_LOOKBACK_DAYS days.
    "NO_SHOW_AFTER_HOURS": 2,
    "NO_SHOW_LOOKBACK_DAYS": 7,
}
