from pydantic import Field

from app.core.schemas import Id, Out, Params


class SignupPath(Params):
    id: Id = Field(description="报名记录 id")


class CantComeOut(Out):
    id: int
    activity_id: int
    status: str = Field(description="cancelled：报名已取消，名额已让出")
