"""The allowance ledger: what each user allowed us to push, per subscribe-message template.

WeChat never says how many one-time allowances are left, so we count: each accepted one-time
request adds one, each push spends one first (`spend`), a push WeChat refused without using it
gives it back (`refund`), and 43101 proves there are none (`empty`). A long-term template needs
no count: it is on (`active`) until the user turns it off.

One user action, two reports. When the user taps 允许, the mini-program reports it
(POST /api/v1/subscriptions, source "api") and WeChat may push a subscribe_msg_popup_event to
the chat callback (source "event"). The rule: an acceptance from one source is paired with an
unpaired acceptance from the other source for the same user and template at most
PAIRING_WINDOW_SECONDS apart, and a paired acceptance adds nothing. Acceptances from the same
source always count (two taps are two allowances, as WeChat counts them). The unpaired
acceptances live in a short-lived record (Redis, or this process) that is trusted only while the
ledger row still carries the acceptance it names, so a report whose transaction rolled back
pairs with nothing.
"""

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.core import clock
from app.core.db import rowcount
from app.core.errors import InvalidInput
from app.extensions import db, redis_client
from app.notify.models import Allowance

PAIRING_WINDOW_SECONDS = 60
SOURCES = ("api", "event")
#: What wx.requestSubscribeMessage answers per template; only "accept" allows anything.
STATUSES = ("accept", "reject", "ban", "filter")


# --- the ledger ---------------------------------------------------------------------------------


def accept(user_id: int, template_id: str, *, kind: str, source: str, at: datetime | None = None) -> bool:
    """Record an acceptance; False when it was the other report of an acceptance already counted."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    at = at or clock.now()
    row = _locked_row(user_id, template_id, kind)
    pairing = _Pairing(user_id, template_id)
    if pairing.absorb(source, at, row.last_accepted_at):
        return False
    if kind == "one_time":
        row.remaining += 1
    else:
        row.active = True
    row.kind, row.last_accepted_at, row.updated_at = kind, at, clock.now()
    db.session.flush()
    pairing.remember(source, at)
    return True


def reject(user_id: int, template_id: str, *, kind: str, source: str, at: datetime | None = None) -> None:
    """The user said no (or WeChat filtered the template): a long-term template is off; one-time
    allowances already given stay, as they do at WeChat."""
    row = _locked_row(user_id, template_id, kind)
    if kind == "long_term":
        row.active = False
    row.updated_at = clock.now()
    db.session.flush()


def spend(user_id: int, template_id: str) -> bool:
    """Take one allowance before a push, in one conditional UPDATE: False when there is none."""
    result = db.session.execute(
        update(Allowance)
        .where(
            Allowance.user_id == user_id,
            Allowance.template_id == template_id,
            or_(
                and_(Allowance.kind == "one_time", Allowance.remaining > 0),
                and_(Allowance.kind == "long_term", Allowance.active.is_(True)),
            ),
        )
        .values(
            remaining=case((Allowance.kind == "one_time", Allowance.remaining - 1), else_=Allowance.remaining),
            updated_at=clock.now(),
        )
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def refund(user_id: int, template_id: str) -> None:
    """Give back a one-time allowance WeChat did not use (it refused the push for another reason)."""
    db.session.execute(
        update(Allowance)
        .where(Allowance.user_id == user_id, Allowance.template_id == template_id, Allowance.kind == "one_time")
        .values(remaining=Allowance.remaining + 1, updated_at=clock.now())
        .execution_options(synchronize_session=False)
    )


def empty(user_id: int, template_id: str) -> None:
    """WeChat answered 43101: whatever we counted, the user has nothing left for this template."""
    db.session.execute(
        update(Allowance)
        .where(Allowance.user_id == user_id, Allowance.template_id == template_id)
        .values(remaining=0, active=False, updated_at=clock.now())
        .execution_options(synchronize_session=False)
    )


def _locked_row(user_id: int, template_id: str, kind: str) -> Allowance:
    """The user's row for the template, created if missing and locked until the commit, so two
    reports of one acceptance are decided one after the other."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(Allowance)
        .values(user_id=user_id, template_id=template_id, kind=kind, remaining=0, active=False, updated_at=clock.now())
        .on_conflict_do_nothing()
    )
    query = select(Allowance).where(Allowance.user_id == user_id, Allowance.template_id == template_id)
    return db.session.scalars(query.with_for_update().execution_options(populate_existing=True)).one()


# --- what the mini-program reports and asks ------------------------------------------------------


def templates() -> dict[str, dict]:
    """Subscribe-message templates by purpose (config WECHAT_TEMPLATES)."""
    return current_app.config["WECHAT_TEMPLATES"]


def template_kind(template_id: str) -> str | None:
    for spec in templates().values():
        if spec["template_id"] == template_id:
            return spec["kind"]
    return None


def record_results(
    user_id: int, results: Mapping[str, str], *, source: str = "api", at: datetime | None = None, strict: bool = True
) -> dict[str, str]:
    """What wx.requestSubscribeMessage answered (or a subscribe_msg_popup_event carried), per
    template: "counted" | "duplicate" | "declined" | "ignored". Unknown templates are a 422 when
    `strict` (the mini-program asked for something we do not use), else ignored (a WeChat push)."""
    kinds = {template_id: template_kind(template_id) for template_id in results}
    unknown = {f"results.{tid}": "未知的订阅消息模板" for tid, kind in kinds.items() if kind is None}
    if unknown and strict:
        raise InvalidInput("订阅消息模板不存在", code="unknown_template", fields=unknown)
    outcome = {}
    for template_id, status in results.items():
        kind = kinds[template_id]
        if kind is None:
            outcome[template_id] = "ignored"
        elif status == "accept":
            counted = accept(user_id, template_id, kind=kind, source=source, at=at)
            outcome[template_id] = "counted" if counted else "duplicate"
        else:
            reject(user_id, template_id, kind=kind, source=source, at=at)
            outcome[template_id] = "declined"
    return outcome


@dataclass(frozen=True)
class Standing:
    purpose: str
    template_id: str
    kind: str
    remaining: int | None
    active: bool
    renew: bool


def standing(user_id: int) -> list[Standing]:
    """Per purpose: what is left, and whether the mini-program should ask the user again (renew):
    a one-time template with nothing left, or a long-term template that is off."""
    rows = {row.template_id: row for row in db.session.scalars(select(Allowance).where(Allowance.user_id == user_id))}
    out = []
    for purpose, spec in templates().items():
        row = rows.get(spec["template_id"])
        if spec["kind"] == "one_time":
            remaining = row.remaining if row is not None and row.kind == "one_time" else 0
            out.append(Standing(purpose, spec["template_id"], "one_time", remaining, remaining > 0, remaining == 0))
        else:
            active = bool(row is not None and row.active)
            out.append(Standing(purpose, spec["template_id"], "long_term", None, active, not active))
    return out


# --- pairing the two reports of one acceptance ---------------------------------------------------


class _Pairing:
    """Unpaired acceptances of one user and template: {"source", "at", "unpaired"}, kept a little
    longer than the window. Read and written while the ledger row is locked."""

    def __init__(self, user_id: int, template_id: str):
        self.key = f"ledger:unpaired:{user_id}:{template_id}"
        self.redis = redis_client()

    def absorb(self, source: str, at: datetime, last_accepted_at: datetime | None) -> bool:
        state = self._load()
        if state is None or state["source"] == source or state["unpaired"] < 1 or last_accepted_at is None:
            return False
        recorded = datetime.fromisoformat(state["at"])
        if abs((recorded - last_accepted_at).total_seconds()) > 0.001:
            return False  # the acceptance it names never committed, or a later one replaced it
        if abs((at - recorded).total_seconds()) > PAIRING_WINDOW_SECONDS:
            return False
        self._save({**state, "unpaired": state["unpaired"] - 1})
        return True

    def remember(self, source: str, at: datetime) -> None:
        state = self._load()
        unpaired = 1
        if state is not None and state["source"] == source:
            recorded = datetime.fromisoformat(state["at"])
            if abs(at - recorded) <= timedelta(seconds=PAIRING_WINDOW_SECONDS):
                unpaired += state["unpaired"]
        self._save({"source": source, "at": at.isoformat(), "unpaired": unpaired})

    def _load(self) -> dict | None:
        if self.redis is not None:
            raw = self.redis.get(self.key)
            return json.loads(raw) if raw is not None else None
        with _local_lock:
            found = _local.get(self.key)
            return found[1] if found is not None and found[0] > time.monotonic() else None

    def _save(self, state: dict) -> None:
        ttl = 2 * PAIRING_WINDOW_SECONDS
        if self.redis is not None:
            self.redis.set(self.key, json.dumps(state), ex=ttl)
            return
        with _local_lock:
            now = time.monotonic()
            for key in [key for key, (until, _) in _local.items() if until <= now]:
                del _local[key]
            _local[self.key] = (now + ttl, state)


_local: dict[str, tuple[float, dict]] = {}
_local_lock = threading.Lock()
