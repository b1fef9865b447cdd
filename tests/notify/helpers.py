"""What the outbox, ledger and sender tests share: users, allowances and queued messages, and readers."""

from sqlalchemy import select

from app.accounts.models import User
from app.core import clock
from app.extensions import db
from app.notify import ledger, operations, sender
from app.notify.models import Allowance, Message

FAST = 1000  # sends per second: high enough never to matter
SUBSCRIBE_PURPOSES = ("assignment", "reminder", "broadcast", "signup_result")


def template_id(purpose: str = "reminder") -> str:
    return ledger.templates()[purpose]["template_id"]


def template_ids() -> dict[str, str]:
    return {purpose: spec["template_id"] for purpose, spec in ledger.templates().items()}


def add_user(openid: str | None = "openid-ann") -> int:
    user = User(openid=openid, created_at=clock.now())
    db.session.add(user)
    db.session.flush()
    return user.id


def allow(user_id: int, purpose: str = "reminder", times: int = 1) -> None:
    """The user accepted the purpose's template `times` times (as the mini-program reports it)."""
    spec = ledger.templates()[purpose]
    for _ in range(times):
        ledger.record_results(user_id, {spec["template_id"]: "accept"}, source="api")
        # Separate taps: the same source never pairs, but keep them apart in time as well.
    db.session.flush()


def queue(user_id: int, key: str, purpose: str = "reminder", **fields) -> None:
    fields = {"title": "青年夜校：电商直播入门", "time": "2026-12-05T11:30:00+00:00", "place": "小店村", **fields}
    operations.tell(user_id, purpose, key, fields["title"], f"{fields['title']} 将于明天开始", fields=fields)
    db.session.commit()


def message(key: str) -> Message:
    return db.session.scalars(select(Message).where(Message.key == key).execution_options(populate_existing=True)).one()


def allowance(user_id: int, purpose: str = "reminder") -> Allowance | None:
    query = select(Allowance).where(Allowance.user_id == user_id, Allowance.template_id == template_id(purpose))
    return db.session.scalars(query.execution_options(populate_existing=True)).one_or_none()


def send(**kwargs) -> dict:
    return sender.send_due(**kwargs)
