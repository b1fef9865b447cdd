from flask_openapi3 import APIBlueprint, Tag

from app.core.auth import login_required, require_principal
from app.core.schemas import ErrorOut
from app.reminders import operations
from app.reminders.schemas import CantComeOut, SignupPath

api = APIBlueprint(
    "reminders",
    __name__,
    url_prefix="/api/v1",
    abp_tags=[Tag(name="reminders", description="活动提醒与“不能参加”")],
)
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


@api.post(
    "/signups/<int:id>/cant-come",
    responses={200: CantComeOut, 404: ErrorOut, 409: ErrorOut},
    security=BEARER,
)
@login_required("volunteer")
def cant_come(path: SignupPath):
    """不能参加：在开始前取消自己已确认的报名；名额递补给候补第一位，并告知本村团支部书记。"""
    signup = operations.cant_come(require_principal(), path.id)
    return CantComeOut.model_validate(signup).model_dump(mode="json")
