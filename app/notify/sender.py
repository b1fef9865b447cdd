"""The sender: delivers pending outbox rows by WeChat, one committed step at a time.

`send_due` claims a batch of due rows (FOR UPDATE SKIP LOCKED on PostgreSQL, then a conditional
UPDATE of claimed_by/claimed_until, which alone makes the claim safe on SQLite), and for each
message, in its own transactions:

1. prepare (commit): re-check the claim; decide the route (customer-service text for "chat", a
   subscribe template for the rest, nothing for "notice"; inbox only when the user has no openid
   or no allowance); spend an allowance on the first attempt (a retry reuses the one it holds);
   count the attempt and set a provisional next attempt, in case we die before step 3;
2. wait for the shared rate limit, then call WeChat, outside any transaction;
3. record (commit): sent (msgid), inbox_only (43101, ledger emptied), failed (a permanent refusal,
   allowance given back), or another try after an exponential backoff with jitter, `dead` after
   the last one.

A claim is short (SEND_CLAIM_SECONDS, 30 s) and renewed while its holder works: between messages,
and in slices while it waits for the rate limit, once a third of the claim time has passed since the
last renewal, one UPDATE moves claimed_until on for every message of the batch still claimed and
pending. So a sender killed mid-batch releases the rest of its batch within one claim time, while a
live one keeps it however long the batch takes. Only the current claimant delivers a message: the
conditional UPDATEs of steps 1 and 3 check claimed_by.

A crash between 2 and 3 leaves only the message in flight claimed; once its claim expires another
sender sends it again, so at most that one message can reach the user twice. A timeout is retried
the same way: WeChat may have delivered it, and nobody can ask.
"""

import logging
import os
import random
import secrets
import socket
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from urllib.parse import quote

from flask import current_app
from sqlalchemy import and_, or_, select, update

from app import wechat
from app.accounts.models import User
from app.core import clock, throttle
from app.core.db import rowcount
from app.extensions import db, redis_client
from app.notify import ledger, templating
from app.notify.models import Message
from app.wechat.gateway import Gateway, WeChatError, WeChatNoAllowance, WeChatRejected

log = logging.getLogger(__name__)

#: A reply in the chat goes as a customer-service text (no allowance needed); notices are inbox only;
#: every other purpose is a subscribe message with the template config WECHAT_TEMPLATES gives it.
CHAT = "chat"
NEVER_PUSHED = ("notice",)


def setting(name: str):
    """One of the SEND_* rules (config/rules.py: the send rate and burst, attempts and backoff, the claim)."""
    return current_app.config[name]


@dataclass(frozen=True)
class _Claimed:
    """A claimed message as it was read at claim time; only its claimant changes it meanwhile."""

    id: int
    user_id: int
    purpose: str
    title: str
    body: str
    link: str | None
    fields: dict | None
    created_at: datetime
    attempts: int
    openid: str | None


@dataclass(frozen=True)
class _Push:
    message_id: int
    user_id: int
    openid: str
    attempts: int  # counting the one about to be made
    template_id: str | None = None  # None: a customer-service text
    page: str | None = None
    data: dict | None = None
    text: str | None = None


def send_due(*, batch: int | None = None, worker: str | None = None) -> dict[str, int]:
    """Deliver up to `batch` (default BOT_SEND_BATCH) due messages; counts per outcome (claimed, sent,
    inbox_only, failed, retry, dead, none, skipped, error). Commits as it goes; call it outside any transaction."""
    claim = _Claim(_claim_name(worker))
    claimed = claim_due(batch or current_app.config["BOT_SEND_BATCH"], claim.name)
    counts = Counter(claimed=len(claimed))
    if not claimed:
        return dict(counts)
    channel = wechat.gateway()
    bucket = throttle.bucket(
        "wechat-send", setting("SEND_RATE_PER_SECOND"), setting("SEND_RATE_BURST") or None, redis_client()
    )
    for message in claimed:
        try:
            claim.renew_if_due()
            outcome = _deliver(message, claim, channel, bucket)
        except Exception:
            # Left claimed; another sender takes it when the claim expires.
            db.session.rollback()
            log.exception("message %s: unexpected failure while sending", message.id)
            outcome = "error"
        counts[outcome] += 1
    return dict(counts)


class _Claim:
    """The name of one send_due call's claim, and when it was last renewed (the real clock, which
    the time spent working follows, and the service clock, which claimed_until is on)."""

    def __init__(self, name: str):
        self.name = name
        self._renewed = time.monotonic()
        self._renewed_on = clock.now()

    def renew_if_due(self) -> None:
        """Move the claim on when a third of the claim time has passed since the last renewal."""
        third = _claim_time().total_seconds() / 3
        now = clock.now()
        if max(time.monotonic() - self._renewed, (now - self._renewed_on).total_seconds()) <= third:
            return
        db.session.execute(
            update(Message)
            .where(Message.claimed_by == self.name, Message.delivery == "pending", Message.claimed_until.is_not(None))
            .values(claimed_until=now + _claim_time())
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        self._renewed, self._renewed_on = time.monotonic(), now

    def wait(self, seconds: float) -> None:
        """Sleep `seconds` (a wait for the rate limit) in slices no longer than a third of the claim
        time, renewing between them, so that a long wait never lets the claim run out."""
        slice_ = max(0.1, _claim_time().total_seconds() / 3)
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            time.sleep(min(left, slice_))
            self.renew_if_due()


def claim_due(batch: int, claim: str) -> list[_Claimed]:
    """Take up to `batch` due pending messages for `claim`; committed, so other senders skip them."""
    now = clock.now()
    due = and_(
        Message.delivery == "pending",
        Message.next_attempt_at <= now,
        or_(Message.claimed_until.is_(None), Message.claimed_until <= now),
    )
    query = select(Message.id).where(due).order_by(Message.next_attempt_at).limit(batch)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(query))
    claimed = []
    if ids:
        db.session.execute(
            update(Message)
            .where(Message.id.in_(ids), due)
            .values(claimed_by=claim, claimed_until=now + _claim_time())
            .execution_options(synchronize_session=False)
        )
        rows = db.session.execute(
            select(
                Message.id,
                Message.user_id,
                Message.purpose,
                Message.title,
                Message.body,
                Message.link,
                Message.fields,
                Message.created_at,
                Message.attempts,
                User.openid,
            )
            .join(User, User.id == Message.user_id)
            .where(Message.id.in_(ids), Message.claimed_by == claim)
            .order_by(Message.next_attempt_at, Message.id)
        )
        claimed = [_Claimed(*row) for row in rows]
    db.session.commit()
    return claimed


def _deliver(message: _Claimed, holder: _Claim, channel: Gateway, bucket: throttle.TokenBucket) -> str:
    claim = holder.name
    push = _prepare(message, claim)
    if isinstance(push, str):
        return push
    holder.wait(bucket.reserve())
    try:
        if push.template_id is None:
            assert push.text is not None  # _route gives every customer-service push its text
            channel.send_custom_text(push.openid, push.text)
            msgid = None
        else:
            assert push.data is not None  # ... and every template push its rendered data
            msgid = channel.send_subscribe(push.openid, push.template_id, push.data, push.page)
    except WeChatNoAllowance as exc:
        if push.template_id is not None:  # a customer-service text spends no allowance to empty
            ledger.empty(push.user_id, push.template_id)
        return _record(push, claim, "inbox_only", error=str(exc))
    except WeChatRejected as exc:
        return _record(push, claim, "failed", error=str(exc))
    except WeChatError as exc:
        final = push.attempts >= setting("SEND_MAX_ATTEMPTS")
        return _record(push, claim, "dead" if final else "retry", error=f"{type(exc).__name__}: {exc}")
    return _record(push, claim, "sent", msgid=msgid)


def _prepare(message: _Claimed, claim: str) -> _Push | str:
    """Step 1, committed: the push to make (its attempt counted, an allowance spent on the first),
    or the outcome that needs no push."""
    now = clock.now()
    route = _route(message)
    if isinstance(route, _Push):
        attempts = message.attempts + 1
        values = {
            "attempts": attempts,
            "next_attempt_at": now + backoff(attempts),  # if we die before recording the outcome
            "claimed_until": now + _claim_time(),
        }
    else:
        outcome, reason = route
        values = {"delivery": outcome, "claimed_until": None, "last_error": reason}
    still_mine = db.session.execute(
        update(Message)
        .where(Message.id == message.id, Message.claimed_by == claim, Message.delivery == "pending")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if rowcount(still_mine) != 1:  # cancelled, or taken over after our claim ran out
        db.session.rollback()  # and the allowance with it
        return "skipped"
    db.session.commit()
    return replace(route, attempts=attempts) if isinstance(route, _Push) else outcome


def _route(message: _Claimed) -> _Push | tuple[str, str | None]:
    if message.purpose in NEVER_PUSHED:
        return "none", None
    if not message.openid:  # withdrawn, or a staff account: the inbox is all there is
        return "inbox_only", "no openid"
    if message.purpose == CHAT:
        text = message.body or message.title
        return _Push(message.id, message.user_id, message.openid, message.attempts, text=text)
    spec = ledger.templates().get(message.purpose)
    if spec is None:
        return "inbox_only", f"no template for {message.purpose}"
    # The first attempt spends; a retry uses the allowance its message already holds.
    if message.attempts == 0 and not ledger.spend(message.user_id, spec["template_id"]):
        return "inbox_only", "no allowance"
    values = {"title": message.title, "note": message.body, **(message.fields or {})}
    return _Push(
        message.id,
        message.user_id,
        message.openid,
        message.attempts,
        template_id=spec["template_id"],
        page=_page(spec.get("page"), message.link),
        data=templating.render(spec["fields"], values, default_time=message.created_at),
    )


def _record(push: _Push, claim: str, outcome: str, *, msgid: str | None = None, error: str | None = None) -> str:
    """Step 3, committed. A send that raced a cancellation is still recorded as sent: it was."""
    now = clock.now()
    values: dict = {"claimed_until": None, "last_error": error[:200] if error else None}
    states: tuple[str, ...] = ("pending",)
    if outcome == "sent":
        values.update(delivery="sent", sent_at=now, wechat_msgid=msgid)
        states = ("pending", "cancelled")
    elif outcome == "retry":
        values["next_attempt_at"] = now + backoff(push.attempts)
    else:
        values["delivery"] = outcome
    result = db.session.execute(
        update(Message)
        .where(Message.id == push.message_id, Message.claimed_by == claim, Message.delivery.in_(states))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        log.warning("message %s: cancelled or taken over before its outcome (%s) was kept", push.message_id, outcome)
    elif outcome in ("failed", "dead") and push.template_id is not None:
        ledger.refund(push.user_id, push.template_id)  # WeChat did not use it (as far as anyone can know)
    db.session.commit()
    if outcome in ("failed", "dead"):
        log.warning("message %s: %s after %s attempt(s): %s", push.message_id, outcome, push.attempts, error)
    return outcome


def backoff(attempts: int) -> timedelta:
    """The wait after `attempts` failed attempts: exponential, capped, with jitter so that
    messages that failed together do not come back together."""
    delay = min(setting("SEND_RETRY_MAX_SECONDS"), setting("SEND_RETRY_BASE_SECONDS") * 2 ** max(0, attempts - 1))
    return timedelta(seconds=delay * random.uniform(0.5, 1.0))  # noqa: S311 — jitter, not a secret


def _page(page: str | None, link: str | None) -> str | None:
    if page and link:
        return f"{page}?link={quote(link, safe=':')}"
    return page


def _claim_time() -> timedelta:
    return timedelta(seconds=setting("SEND_CLAIM_SECONDS"))


def _claim_name(worker: str | None) -> str:
    """Unique per call, so two calls that share a worker name never take each other's messages."""
    worker = worker or f"{socket.gethostname()[:32]}:{os.getpid()}"
    return f"{worker[:55]}:{secrets.token_hex(4)}"
