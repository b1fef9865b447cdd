from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Model, UTCDateTime

#: The programs the league runs in every county, seeded by the migration that made the table.
USUAL_PROGRAMS = (
    ("希望工程", "助学圆梦，资助贫困家庭学生"),
    ("七彩假期", "寒暑假为农村留守儿童开展的课业辅导、安全教育和兴趣活动"),
    ("乡伴计划", "青年志愿者与乡村儿童、老人结伴帮扶"),
    ("红领巾圆梦行动", "帮助贫困地区少先队员实现微心愿"),
    ("留守儿童之家", "村级留守儿童活动阵地的日常服务"),
    ("乡村流动少年宫", "送文体、科技和艺术活动下乡"),
    ("扶贫接力计划", "研究生支教团、西部计划等接力开展的脱贫攻坚志愿服务"),
)


class Program(Model):
    """A league program (项目): staff keep the list; needs and sessions may name one."""

    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. 希望工程; unique, so a list of names is never ambiguous.
    name: Mapped[str] = mapped_column(String(40), unique=True)
    description: Mapped[str] = mapped_column(String(200), default="", server_default="")
    #: A retired program stays on the activities that named it, but no new one can choose it.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    #: None for the programs the migration seeded.
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def snapshot(self) -> dict:
        return {"name": self.name, "description": self.description, "active": self.active}
