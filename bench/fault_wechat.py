"""A broadcast through a flaky WeChat, run by hand; prints one table.

    .venv/bin/python bench/fault_wechat.py [--recipients 10000] [--rate 0.1] [--refused 0.02] [--seed 1] [--late]

The same stack as bench/fault_kill_bot.py (a private PostgreSQL on 8301 and redis-server on 8302, the
fake WeChat in this process, `python -m bots`), but the bot is never killed: the fake answers a share
`--rate` of the pushes with an HTTP 500/502/503 or a timeout (held longer than the client's
WECHAT_TIMEOUT_SECONDS, 2 s here; the call never reaches WeChat unless --late), drawn from a seeded
random generator, and refuses a share `--refused` of the recipients for good, half with 43101 (no
subscription left) and half with 47003 (template data bad). Retries come after SEND_RETRY_BASE_SECONDS
(2 s here instead of 30 s, so the run ends in minutes), with the production code path.

It counts, per recipient, the calls the fake received and what each was answered:
- deliverable recipients: delivered exactly once (one call answered ok, the last one), more than once, never;
- refused recipients: the refusal answered once, as the last call (tried again only after a random
  failure before it), and the outbox says inbox_only (43101) or failed (47003).
Targets (issue 14): everything retryable delivered (exactly once), 43101/47003 never retried. With
--late a timed-out push was carried out by WeChat too and is sent again: one extra push per such timeout;
so is a push WeChat answered ok after the client had given up waiting (counted apart: the machine's load).
"""

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fault_kill_bot import build  # noqa: E402  (after the path is set)

SUBSCRIBE = "cgi-bin/message/subscribe/send"
PORTS = (8301, 8302)
CLIENT_TIMEOUT = 2.0
RANDOM_FAILURES = ("timeout", "http 500", "http 502", "http 503")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=0.1, help="share of pushes answered 5xx or timing out")
    parser.add_argument("--refused", type=float, default=0.02, help="share of recipients refused (43101/47003)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--late", action="store_true", help="WeChat carries out a timed-out push all the same")
    parser.add_argument("--send-rate", type=float, default=1000, help="SEND_RATE_PER_SECOND for the run")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for the outbox to drain")
    parser.add_argument("--ports", default=f"{PORTS[0]},{PORTS[1]}", help="PostgreSQL and Redis ports")
    options = parser.parse_args()
    pg_port, redis_port = (int(port) for port in options.ports.split(","))
    settings = {
        "SEND_RATE_PER_SECOND": str(options.send_rate),
        "SEND_RETRY_BASE_SECONDS": "2",
        "SEND_RETRY_MAX_SECONDS": "30",
        "WECHAT_TIMEOUT_SECONDS": str(CLIENT_TIMEOUT),
    }
    stack = build(options.recipients, "fault-wechat-", (pg_port, redis_port), **settings)
    rng = random.Random(options.seed)
    openids = [f"bench-openid-{n}" for n in range(1, options.recipients + 1)]
    refused = dict.fromkeys(rng.sample(openids, round(options.recipients * options.refused)), 43101)
    for openid in list(refused)[len(refused) // 2 :]:
        refused[openid] = 47003
    for openid, errcode in refused.items():
        stack.fake.refuse(openid, errcode)
    stack.fake.fail_randomly(
        SUBSCRIBE, rate=options.rate, seed=options.seed, timeout=CLIENT_TIMEOUT * 1.5, late=options.late
    )
    try:
        started = time.monotonic()
        stack.start_bot()
        drained = stack.drain(options.timeout)
        total = time.monotonic() - started
        states = stack.deliveries()
        outbox = stack.outbox()
        calls = stack.fake.calls_to(SUBSCRIBE)
        drawn = stack.fake.random_failures_drawn(SUBSCRIBE)
    finally:
        stack.close()

    answers: dict[str, list[str]] = {}
    slowest_ok: dict[str, float] = {}
    for call in calls:
        openid = call.json["touser"] if call.json else ""
        answers.setdefault(openid, []).append(call.answer)
        if call.answer == "ok":
            slowest_ok[openid] = max(slowest_ok.get(openid, 0.0), call.seconds)
    tally: Counter = Counter()
    for openid in openids:
        *before, last = answers.get(openid) or ["never called"]
        oks = sum(1 for answer in (*before, last) if answer.endswith("ok"))
        retried_after_failure_only = all(answer in RANDOM_FAILURES or answer.startswith("timeout") for answer in before)
        if openid in refused:
            errcode = refused[openid]
            expected = "inbox_only" if errcode == 43101 else "failed"
            good = last == f"errcode {errcode}" and retried_after_failure_only and states.get(openid) == expected
            tally[f"{errcode}: refused once, not retried" if good else f"{errcode}: WRONG"] += 1
        elif oks == 1 and last.endswith("ok") and states.get(openid) == "sent":
            tally["deliverable: delivered exactly once"] += 1
        elif oks > 1:
            tally["deliverable: delivered more than once"] += 1
            tally["extra pushes"] += oks - 1
            late_timeouts = sum(1 for answer in before if answer == "timeout, then ok")
            if oks - 1 > late_timeouts:
                # Answered ok, yet the sender tried again: it gave up waiting (a slow answer on a loaded
                # machine is a timeout to the client, and WeChat did it: the same as a late timeout).
                tally["  of which after an ok the client gave up on"] += oks - 1 - late_timeouts
                print(f"{openid}: {answers[openid]}, slowest ok answered in {slowest_ok[openid]:.2f} s here")
        else:
            tally["deliverable: NOT delivered"] += 1
    retried = sum(len(calls) - 1 for calls in answers.values())

    print(f"\nbench/fault_wechat.py  {options.recipients:,} recipients, failure rate {options.rate:g}", end="")
    print(f", refused {options.refused:g}, seed {options.seed}{', late timeouts' if options.late else ''}")
    print(f"pushes WeChat received: {len(calls):,}; random failures drawn: {dict(drawn)} ({sum(drawn.values()):,})")
    print(f"calls beyond the first per recipient: {retried:,} (= failures drawn: {retried == sum(drawn.values())})")
    for name, value in sorted(tally.items()):
        print(f"{name:40} {value:>8,}")
    print(f"outbox at the end: {dict(outbox)}; drained: {'yes' if drained is not None else 'NO'} in {total:.0f} s")
    wrong = sum(v for k, v in tally.items() if "WRONG" in k or "NOT" in k)
    extra = tally["extra pushes"]
    late = (drawn["timeout"] if options.late else 0) + tally["  of which after an ok the client gave up on"]
    met = wrong == 0 and extra <= late
    print(f"targets: every retryable delivered once, refusals never retried: {'met' if met else 'NOT met'}")
    return 0 if met and drained is not None else 1


if __name__ == "__main__":
    sys.exit(main())
