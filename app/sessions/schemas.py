from typing import TYPE_CHECKING, Literal

from pydantic import Field

from app.activities.schemas import ActivityOut, Description, ListQuery, PatchIn, ProgramId, Rule, Title
from app.core.schemas import Moment, Out, Schema
from app.regions.schemas import RegionCode
from config.catalog import SESSION_KINDS, SESSION_TOPICS

# One of the catalog's codes. The Literals are built from the catalog at run time (pydantic checks
# them and documents the enums); a type checker cannot evaluate that, and sees the str they are.
if TYPE_CHECKING:
    Kind = str
    Topic = str
else:
    Kind = Literal[tuple(SESSION_KINDS)]
    Topic = Literal[tuple(SESSION_TOPICS)]


class SessionIn(Schema):
    kind: Kind
    topic: Topic
    title: Title
    description: Description = ""
    village: RegionCode = Field(description="举办的村（须为本人任职的村）")
    starts_at: Moment
    ends_at: Moment
    capacity: int = Field(ge=1, le=1000, description="座位数")
    recurrence: Rule | None = None
    program_id: ProgramId | None = None


class SessionPatch(PatchIn):
    title: Title | None = None
    description: Description | None = None
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    capacity: int | None = Field(None, ge=1, le=1000)
    program_id: ProgramId | None = Field(None, description="所属项目；null 为不再归属任何项目")

    NULLABLE = frozenset({"program_id"})


class SessionQuery(ListQuery):
    kind: Kind | None = None
    topic: Topic | None = None


class SessionOut(ActivityOut):
    kind: str
    kind_name: str
    topic: str
    topic_name: str


class SessionList(Out):
    items: list[SessionOut]


class SessionCreated(SessionOut):
    occurrences: int = Field(description="现已生成的场次数（重复系列只提前生成若干周，其余随时间推移陆续生成）")
    series_total: int = Field(description="整个系列的场次总数（不重复时为 1）")
