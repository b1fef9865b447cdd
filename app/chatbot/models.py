from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Model, UTCDateTime


class CallbackEvent(Model):
    """Every push WeChat delivered, by a key unique per message (MsgId, or sender + time + event),
    so a retried or replayed push is handled once."""

    __tablename__ = "callback_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)
    openid: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(48))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
