from flask_openapi3 import APIBlueprint, Tag

from app.core.auth import login_required, require_principal
from app.core.schemas import BLUEPRINT_RESPONSES, ErrorOut
from app.programs import operations
from app.programs.models import Program
from app.programs.schemas import ProgramIn, ProgramList, ProgramOut, ProgramPatch, ProgramPath, ProgramQuery

api = APIBlueprint(
    "programs",
    __name__,
    url_prefix="/api/v1",
    abp_tags=[Tag(name="programs", description="共青团项目（希望工程、七彩假期等）：需求和活动可归属其一")],
    abp_responses=BLUEPRINT_RESPONSES,
)
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


def program_out(program: Program) -> dict:
    return ProgramOut.model_validate(program).model_dump(mode="json")


@api.get("/programs", responses={200: ProgramList})
def list_programs(query: ProgramQuery):
    """项目列表（发布需求、安排活动时可选其一）；默认只列在用的。"""
    return {"items": [program_out(program) for program in operations.listing(include_retired=query.all)]}


@api.post("/programs", responses={201: ProgramOut, 403: ErrorOut, 409: ErrorOut}, security=BEARER)
@login_required("staff")
def create_program(body: ProgramIn):
    """新增项目（市级及以上团委工作人员）；重名 409 program_exists。"""
    return program_out(operations.create(require_principal(), body.name, body.description)), 201


@api.patch("/programs/<int:id>", responses={200: ProgramOut, 403: ErrorOut, 409: ErrorOut}, security=BEARER)
@login_required("staff")
def edit_program(path: ProgramPath, body: ProgramPatch):
    """修改或停用项目（市级及以上团委工作人员）。"""
    changes = body.model_dump(exclude_unset=True)
    return program_out(operations.update(require_principal(), path.id, changes))
