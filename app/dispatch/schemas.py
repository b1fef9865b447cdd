from typing import Literal

from pydantic import Field

from app.core.schemas import Id, LocalDateTime, Out, Params, Schema
from app.dispatch.models import OFFER_STATUSES
from app.regions.schemas import RegionCode

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
    withdrawn: bool = Field(False, description="接受后又表示不能来（报名已取消）")


class AssignmentList(Out):
    items: list[AssignmentOut]


class RoundIn(Schema):
    region: RegionCode | None = Field(None, description="区划代码（须在本人辖区内）；不填则为本人辖区")


class RoundPath(Params):
    id: Id


class RoundCreated(Out):
    id: int
    slots: int = Field(description="本轮待派的名额数")
    offers: int = Field(description="发出的邀请数")
    filled: int = Field(description="因此派满的需求数")
    cost: int = Field(description="总成本（已减去优先地区加权）")
    seconds: float


class RoundOut(RoundCreated):
    region: str = Field(description="本轮覆盖的区划代码")
    started_at: LocalDateTime
    started_by: int | None = Field(None, description="发起的工作人员；机器人发起时为空")
    volunteers: int = Field(description="有资格的志愿者数")
    edges: int = Field(description="可派的（志愿者, 名额）对数")
    solver_status: str | None
    peak_memory_kb: int | None


class RoundList(Out):
    items: list[RoundOut]


# --- 结对帮扶 (pairings) ---------------------------------------------------------------------------------


class PairingIn(Schema):
    helping_region: RegionCode = Field(description="帮扶地区的区划代码（可在辖区外）")
    helped_region: RegionCode = Field(description="受援地区的区划代码（须在本人辖区内）；两地不能相同或互相包含")


class PairingPath(Params):
    id: Id


class PairingOut(Out):
    id: int
    helping_region: str = Field(description="帮扶地区的区划代码")
    helping_name: str
    helped_region: str = Field(description="受援地区的区划代码：帮扶地区的志愿者视为在其需求的可达范围内")
    helped_name: str
    created_by: int = Field(description="建立结对的工作人员")
    created_at: LocalDateTime


class PairingList(Out):
    items: list[PairingOut]
