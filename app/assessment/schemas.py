"""What the supervision API accepts and returns: spot checks, self-checks, targets, the yearly sheet."""

from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from app.assessment.spot_checks import MAX_SIZE
from app.core.schemas import FIRST_YEAR, LAST_YEAR, Id, LocalDateTime, Out, Params, Schema
from app.regions.schemas import RegionCode
from app.stats.schemas import Day, FiguresOut, ProgramFiguresOut

Year = int


class SpotCheckIn(Schema):
    region: RegionCode | None = Field(None, description="抽查的区划（本人辖区或其下级）；不填则为本人辖区")
    start: Day | None = Field(None, alias="from", description="服务记录签到日期起（含）；不填则为今年 1 月 1 日")
    end: Day | None = Field(None, alias="to", description="签到日期止（含）；不填则为今天")
    size: int | None = Field(None, ge=1, le=MAX_SIZE, description="抽取条数（与 share 二选一）")
    share: float | None = Field(None, gt=0, le=1, description="抽取比例，如 0.05 为 5%，向上取整（与 size 二选一）")

    @model_validator(mode="after")
    def _one_of(self):
        if (self.size is None) == (self.share is None):
            raise ValueError("size 与 share 须填且只填一个")
        return self


class SpotCheckPath(Params):
    id: Id


class ItemPath(Params):
    id: Id
    record_id: Id


class SpotCheckQuery(Params):
    limit: int = Field(50, ge=1, le=200)


class ItemIn(Schema):
    result: Literal["confirmed", "discrepancy"] = Field(description="confirmed 核实无误 / discrepancy 发现问题")
    note: str | None = Field(None, min_length=2, max_length=190, description="核查说明；发现问题时必填")
    hours: float | None = Field(
        None, ge=0, le=24, description="核实的服务时长；发现问题且与记录不同时，记录按此更正（更正原因即核查说明）"
    )


class VolunteerBriefOut(Out):
    volunteer_no: str | None
    name: str = Field(description="脱敏姓名")


class ItemOut(Out):
    record_id: int
    position: int = Field(description="该记录在按 id 排序的候选记录中的位置（从 0 起）：种子选中的就是它")
    result: str = Field(description="pending 待核查 / confirmed 核实无误 / discrepancy 发现问题")
    note: str | None
    hours: float | None = Field(description="记录当前确认的时长")
    hours_before: float | None = Field(description="因核查更正前的时长；未更正为 null")
    activity_id: int
    activity_title: str
    village_code: str
    checked_in_at: LocalDateTime
    volunteer: VolunteerBriefOut
    verified_at: LocalDateTime | None


class ResultsOut(Out):
    drawn: int = Field(description="抽取记录数")
    confirmed: int = Field(description="核实无误")
    discrepancies: int = Field(description="发现问题")
    corrected: int = Field(description="其中已更正时长")
    pending: int = Field(description="待核查")


class SpotCheckOut(Out):
    id: int
    region: str
    start: date = Field(serialization_alias="from")
    end: date = Field(serialization_alias="to")
    seed: str = Field(description="抽样种子（十六进制）：random.Random(int(seed, 16)).sample(range(population), size)")
    population: int = Field(description="候选记录数：期间内签到、抽取时已确认的记录")
    size: int
    share: float | None
    drawn_at: LocalDateTime
    status: str = Field(description="open 核查中 / done 全部核查完毕")
    completed_at: LocalDateTime | None
    results: ResultsOut
    items: list[ItemOut] | None = Field(None, description="抽中的记录（列表中不含）")


class SpotCheckList(Out):
    items: list[SpotCheckOut]


class SelfCheckIn(Schema):
    region: RegionCode | None = Field(None, description="本人所在区划；不填即是")
    start: Day = Field(alias="from", description="自查的期间起（含）")
    end: Day = Field(alias="to", description="期间止（含）")
    findings: str = Field(min_length=2, max_length=2000, description="自查发现与整改情况（须通过内容安全检测）")


class SelfCheckOut(Out):
    id: int
    region: str
    start: date = Field(serialization_alias="from")
    end: date = Field(serialization_alias="to")
    findings: str
    done_at: LocalDateTime


class SelfCheckQuery(Params):
    region: RegionCode | None = None
    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR)


class SelfCheckList(Out):
    items: list[SelfCheckOut]


class TargetsIn(Schema):
    region: RegionCode = Field(description="下级区划（本级的目标由上级设定）")
    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR)
    volunteers: int | None = Field(None, ge=0, le=10**8)
    active_volunteers: int | None = Field(None, ge=0, le=10**8)
    hours: int | None = Field(None, ge=0, le=10**9)
    needs_posted: int | None = Field(None, ge=0, le=10**8)
    needs_filled: int | None = Field(None, ge=0, le=10**8)
    fill_rate: float | None = Field(None, ge=0, le=1, description="0–1，如 0.8 为 80%")
    relay_weeks_covered: int | None = Field(None, ge=0, le=10**6)
    sessions_held: int | None = Field(None, ge=0, le=10**7)
    villagers_reached: int | None = Field(None, ge=0, le=10**9)


class TargetsOut(Out):
    region: str
    year: int
    volunteers: int | None
    active_volunteers: int | None
    hours: int | None
    needs_posted: int | None
    needs_filled: int | None
    fill_rate: float | None
    relay_weeks_covered: int | None
    sessions_held: int | None
    villagers_reached: int | None
    updated_at: LocalDateTime


class SheetQuery(Params):
    region: RegionCode | None = Field(None, description="区划（本人辖区或其下级）；不填则为本人辖区")
    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR, description="年度")


class SheetLineOut(Out):
    key: str
    label: str
    value: float | None
    target: float | None
    met: bool | None = Field(description="是否达成目标；未设目标为 null")


class RelayOut(Out):
    weeks: int = Field(description="年内已开始的扶贫接力周次")
    covered: int = Field(description="其中在岗（名额全部确认报名）")
    gaps: int


class ChildOut(Out):
    code: str
    name: str
    level: str
    figures: FiguresOut


class SheetOut(Out):
    region: str
    name: str
    level: str
    year: int
    start: date = Field(serialization_alias="from")
    end: date = Field(serialization_alias="to")
    figures: FiguresOut = Field(description="与 GET /stats?region=&from=年初&to=年末 的 region.figures 相同")
    lines: list[SheetLineOut]
    relay: RelayOut
    spot_checks: ResultsOut
    self_check_done: bool
    self_checks: list[SelfCheckOut]
    children: list[ChildOut]
    villagers_reached: int = Field(description="服务村民人次（村书记确认时填写的人数之和，同 figures.villagers）")
    villagers_poor: int = Field(description="其中建档立卡贫困户村民人次")
    programs: list[ProgramFiguresOut] = Field(description="按项目，与 GET /stats 的 programs 相同")
