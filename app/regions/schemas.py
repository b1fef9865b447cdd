from typing import Annotated

from pydantic import Field, StringConstraints

from app.core.schemas import Out, Schema

RegionCode = Annotated[str, StringConstraints(pattern=r"^(\d{6}|\d{9}|\d{12})$")]
RegionCode.__doc__ = "行政区划代码：6 位（省市县）、9 位（乡镇）或 12 位（村）"


class RegionQuery(Schema):
    parent: RegionCode | None = Field(None, description="上级区划代码；不填则返回省级")


class RegionPath(Schema):
    code: RegionCode


class RegionOut(Out):
    code: str
    name: str
    level: str = Field(description="province / city / county / township / village")
    parent: str | None = Field(None, validation_alias="parent_code")
    deep_poverty: bool = Field(description="深度贫困县")
    poor_village: bool = Field(description="贫困村")


class RegionList(Out):
    items: list[RegionOut]


class RegionFlagsIn(Schema):
    deep_poverty: bool | None = Field(None, description="深度贫困县（仅县级）")
    poor_village: bool | None = Field(None, description="贫困村（仅村级）")
