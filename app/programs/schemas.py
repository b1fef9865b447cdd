from typing import Annotated

from pydantic import Field

from app.core.schemas import Id, LocalDateTime, Out, Params, Schema

ProgramName = Annotated[str, Field(min_length=2, max_length=40, description="项目名称，如 希望工程")]
ProgramDescription = Annotated[str, Field(max_length=200, description="项目说明")]


class ProgramPath(Params):
    id: Id


class ProgramQuery(Params):
    all: bool = Field(False, description="同时列出已停用的项目")


class ProgramIn(Schema):
    name: ProgramName
    description: ProgramDescription = ""


class ProgramPatch(Schema):
    name: ProgramName | None = None
    description: ProgramDescription | None = None
    active: bool | None = Field(None, description="false 为停用：已归属的需求和活动不变，新的不能再选")


class ProgramOut(Out):
    id: int
    name: str
    description: str
    active: bool
    created_at: LocalDateTime
    updated_at: LocalDateTime


class ProgramList(Out):
    items: list[ProgramOut]
