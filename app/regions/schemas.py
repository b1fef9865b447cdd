"""What the regions API accepts and returns."""

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, WithJsonSchema

from app.core.schemas import Out, Params, Schema

CODE_PATTERN = r"^([0-9]{6}|[0-9]{9}|[0-9]{12})$"


def _check_code(value: str) -> str:
    # [0-9], not \d: the validator's \d also accepts full-width and other Unicode digits.
    if not re.fullmatch(CODE_PATTERN, value):
        raise ValueError("应为 6 位（省市县）、9 位（乡镇）或 12 位（村）数字的行政区划代码")
    return value


#: 行政区划代码：6 位（省市县）、9 位（乡镇）或 12 位（村）数字.
RegionCode = Annotated[
    str,
    AfterValidator(_check_code),
    WithJsonSchema({"type": "string", "pattern": CODE_PATTERN}),
]


class RegionQuery(Params):
    parent: RegionCode | None = Field(None, description="上级区划代码；不填则返回省级")


class RegionPath(Params):
    code: RegionCode


class RegionOut(Out):
    code: str
    name: str
    level: Literal["province", "city", "county", "township", "village"]
    parent: str | None = Field(None, validation_alias="parent_code", description="上级区划代码")
    deep_poverty: bool = Field(description="深度贫困县（仅县级）")
    poor_village: bool = Field(description="贫困村（仅村级）")


class RegionList(Out):
    items: list[RegionOut]


class RegionFlagsIn(Schema):
    """Only the flags given are changed; null or absent leaves a flag as it is."""

    deep_poverty: bool | None = Field(None, description="深度贫困县（仅县级区划）")
    poor_village: bool | None = Field(None, description="贫困村（仅村级区划）")
