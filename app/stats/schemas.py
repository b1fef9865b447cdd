"""What the statistics API accepts and returns."""

import re
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema

from app.core.schemas import FIRST_YEAR, LAST_YEAR, Out, Params
from app.regions.schemas import RegionCode

DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _day(value: Any) -> date:
    """A calendar day in China: exactly YYYY-MM-DD (no time, no timestamp), within the service's years."""
    if isinstance(value, date):
        day = value
    elif isinstance(value, str) and re.fullmatch(DATE_PATTERN, value.strip()):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError("不是有效的日期") from None
    else:
        raise ValueError("日期格式应为 YYYY-MM-DD")
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"日期应在 {FIRST_YEAR} 年到 {LAST_YEAR} 年之间")
    return day


#: A day as people in Shanxi name it: "2026-12-01".
Day = Annotated[
    date,
    BeforeValidator(_day),
    WithJsonSchema({"type": "string", "format": "date", "description": "日期 YYYY-MM-DD（北京时间，2000–2099 年）"}),
]


class StatsQuery(Params):
    region: RegionCode | None = Field(None, description="区划代码（须在本人辖区内）；不填则为本人辖区")
    start: Day | None = Field(None, alias="from", description="起始日期（含）；不填则为结束日期所在年份的 1 月 1 日")
    end: Day | None = Field(None, alias="to", description="结束日期（含）；不填则为今天；区间最长三年")


class FiguresOut(Out):
    volunteers: int = Field(description="注册志愿者：常住地在本区划、截至结束日期已注册且未注销")
    active_volunteers: int = Field(description="活跃志愿者：常住地在本区划，期间内有经确认的服务记录")
    hours: float = Field(description="期间内经确认的服务时长（小时，按常住地）")
    hours_month: float = Field(description="结束日期所在月份（至结束日期）经确认的服务时长")
    hours_year: float = Field(description="结束日期所在年份（至结束日期）经确认的服务时长")
    needs_posted: int = Field(description="期间内发布的需求（不含已驳回、已取消）")
    needs_filled: int = Field(description="其中名额全部报满的需求")
    fill_rate: float | None = Field(description="报满率 = 报满 / 发布；无需求时为 null")
    slots: int = Field(description="这些需求的志愿者名额")
    slots_taken: int = Field(description="其中已确认报名的名额")
    sessions_held: int | None = Field(description="期间内已举办的夜校和讲习所场次（按领域统计时为 null）")
    session_capacity: int | None = Field(description="这些场次的座位数")
    session_signups: int | None = Field(description="这些场次的确认报名人数")
    session_attendees: int | None = Field(description="这些场次的签到人数")
    attendance_rate: float | None = Field(description="到场率 = 签到 / 确认报名；无报名时为 null")
    villagers: int = Field(description="期间内本区划村里举办的需求和活动参与的村民人数（村书记确认时填写，只记人数）")
    villagers_poor: int = Field(description="其中建档立卡贫困户村民人数")


class RegionFiguresOut(Out):
    code: str
    name: str
    level: str
    figures: FiguresOut


class AreaFiguresOut(Out):
    area: str
    name: str
    figures: FiguresOut


class ProgramFiguresOut(Out):
    program_id: int
    name: str = Field(description="项目名称，如 希望工程")
    needs_posted: int = Field(description="期间内本区划村里发布的该项目需求（不含已驳回、已取消）")
    needs_filled: int
    fill_rate: float | None
    slots: int
    slots_taken: int
    sessions_held: int = Field(description="期间内已举办的该项目夜校和讲习所场次")
    session_attendees: int
    villagers: int = Field(description="该项目需求和活动参与的村民人数")
    villagers_poor: int
    volunteers_served: int = Field(description="期间内参与该项目服务（经确认）的志愿者人数，不论常住地")
    hours: float = Field(description="期间内该项目经确认的服务时长（按组织村统计，不按常住地）")


class StatsOut(Out):
    region: RegionFiguresOut = Field(description="本区划合计")
    start: date = Field(serialization_alias="from")
    end: date = Field(serialization_alias="to")
    children: list[RegionFiguresOut] = Field(description="每个下级区划一行")
    unassigned: FiguresOut | None = Field(description="只登记到本级、不属于任何下级的部分（如常住地只填到县的志愿者）")
    areas: list[AreaFiguresOut] = Field(description="九大服务领域各一行")
    programs: list[ProgramFiguresOut] = Field(description="期间内有需求或活动的项目各一行（按组织村统计）")
