from typing import Literal

from pydantic import Field

from app.core.schemas import Id, LocalDateTime, Out, Params
from app.dispatch.models import OFFER_STATUSES

OfferStatus = Literal["offered", "accepted", "declined", "expired", "revoked"]
assert set(OfferStatus.__args__) == set(OFFER_STATUSES)  # type: ignore[attr-defined]


class AssignmentPath(Params):
    id: Id


class AssignmentNeed(Out):
    id: int
    title: str
    village: str = Field(description="村的区划代码")
    village_name: str
    starts_at: LocalDateTime
    ends_at: LocalDateTime


class AssignmentOut(Out):
    id: int
    status: OfferStatus = Field(
        description="offered 待答复 / accepted 已接受 / declined 已婉拒 / expired 已过期 / revoked 已撤回"
    )
    need: AssignmentNeed
    starts_at: LocalDateTime
    expires_at: LocalDateTime = Field(description="在此之前接受或婉拒")
    why: str = Field(description="为什么邀请你，如“同村、技能匹配、近期服务较少”")
    revoke_reason: str | None = None
    signup_id: int | None = Field(None, description="接受后生成的报名")


class AssignmentList(Out):
    items: list[AssignmentOut]
