"""What wechatpy keeps in its session storage, in the database when there is no Redis."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Model, UTCDateTime


class WeChatToken(Model):
    """One entry of wechatpy's session storage: the access token, its expiry, the refresh lock row.

    Read and written on connections of their own (app/wechat/storage.py), so every process on the
    database shares one token without Redis."""

    __tablename__ = "wechat_tokens"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    #: JSON, as wechatpy's other storages keep their values.
    value: Mapped[str] = mapped_column(Text)
    #: None: kept until replaced or deleted.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
