from pydantic import Field

from app.core.access import Principal
from app.core.schemas import Id, LocalDateTime, Out, Params, Schema
from app.regions.schemas import RegionCode


class WechatLoginIn(Schema):
    code: str = Field(min_length=1, max_length=128, description="wx.login 返回的一次性 code")


class StaffLoginIn(Schema):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=128)
    totp: str | None = Field(None, pattern=r"^\d{6}$", description="开启两步验证的账号需要填写的 6 位动态码")


class UserOut(Out):
    id: int
    roles: list[str] = Field(description="volunteer / secretary / staff / admin")
    registered: bool = Field(description="是否已完成志愿者注册")
    staff_region: str | None = None
    secretary_village: str | None = None

    @classmethod
    def of(cls, principal: Principal) -> "UserOut":
        return cls(
            id=principal.user_id,
            roles=sorted(principal.roles),
            registered="volunteer" in principal.roles,
            staff_region=principal.staff_region,
            secretary_village=principal.secretary_village,
        )


class LoginOut(Out):
    token: str
    user: UserOut


class SecretaryIn(Schema):
    user_id: Id
    village: RegionCode


class SecretaryPath(Params):
    user_id: Id


class SecretaryOut(Out):
    user_id: int
    village: str = Field(validation_alias="village_code")
    appointed_by: int | None
    appointed_at: LocalDateTime
