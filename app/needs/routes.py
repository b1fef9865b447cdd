from flask_openapi3 import APIBlueprint, Tag

from app.activities import lifecycle, queries, signups
from app.activities.schemas import ActivityPath, CancelIn, Roster, SignupOut
from app.activities.views import roster_out, signup_out
from app.core.auth import current_principal, login_required, require_principal
from app.core.caching import revalidated
from app.core.schemas import ErrorOut
from app.core.transactions import reads_only
from app.dispatch import relay
from app.needs import operations
from app.needs.schemas import CoverageOut, NeedIn, NeedList, NeedOut, NeedPatch, NeedQuery, ReviewIn, SeriesPath
from app.needs.views import LIST_COLUMNS, need_list_out, need_out

api = APIBlueprint(
    "needs", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="needs", description="村级志愿服务需求")]
)
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


@api.post("/needs", responses={201: NeedOut, 403: ErrorOut, 422: ErrorOut}, security=BEARER)
@login_required("secretary")
def post_need(body: NeedIn):
    """村团支部书记发布需求，待县级团委审核。"""
    return need_out(operations.post(require_principal(), body)), 201


@api.get("/needs", responses={200: NeedList, 304: None})
@reads_only
def list_needs(query: NeedQuery):
    """志愿者看到开放中的需求；书记与工作人员还能看到辖区内其他状态的需求。"""
    rows = queries.listing_rows(
        "need",
        current_principal(),
        LIST_COLUMNS,
        region=query.region,
        status=query.status,
        starts_from=query.starts_from,
        starts_to=query.starts_to,
        limit=query.limit,
        area=query.area,
    )
    return revalidated(need_list_out(rows))


@api.get(
    "/needs/series/<int:id>/coverage",
    responses={200: CoverageOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    security=BEARER,
)
@login_required("secretary", "staff")
def relay_coverage(path: SeriesPath):
    """扶贫接力岗位的覆盖情况：接力范围内共多少周、已有人接棒多少周、哪些周断档（辖区内工作人员与本村书记可看）。"""
    return CoverageOut.model_validate(relay.coverage_for(require_principal(), path.id)).model_dump(mode="json")


@api.get("/needs/<int:id>", responses={200: NeedOut, 404: ErrorOut})
def get_need(path: ActivityPath):
    return need_out(queries.get("need", path.id, current_principal()))


@api.patch("/needs/<int:id>", responses={200: NeedOut, 404: ErrorOut, 409: ErrorOut}, security=BEARER)
@login_required("secretary", "staff")
def edit_need(path: ActivityPath, body: NeedPatch):
    principal = require_principal()
    need = queries.get("need", path.id, principal)
    return need_out(operations.edit(principal, need, body.model_dump(exclude_unset=True)))


@api.post("/needs/<int:id>/review", responses={200: NeedOut, 403: ErrorOut, 409: ErrorOut}, security=BEARER)
@login_required("staff")
def review_need(path: ActivityPath, body: ReviewIn):
    """县级及以上团委审核：通过即开放报名和派单，驳回须说明原因。"""
    principal = require_principal()
    need = queries.get("need", path.id, principal)
    return need_out(operations.review(principal, need, approve=body.approve, reason=body.reason))


@api.post("/needs/<int:id>/cancel", responses={200: NeedOut, 404: ErrorOut, 409: ErrorOut}, security=BEARER)
@login_required("secretary", "staff")
def cancel_need(path: ActivityPath, body: CancelIn):
    principal = require_principal()
    return need_out(lifecycle.cancel(principal, queries.get("need", path.id, principal), body.reason))


@api.post("/needs/<int:id>/signups", responses={201: SignupOut, 409: ErrorOut}, security=BEARER)
@login_required("volunteer")
def sign_up(path: ActivityPath):
    """报名需求：有名额即确认，名额已满返回 409 full。"""
    principal = require_principal()
    signup, _ = signups.sign_up(principal, "need", path.id, waitlist=False)
    return signup_out(signup, None), 201


@api.delete("/needs/<int:id>/signups/me", responses={204: None, 404: ErrorOut}, security=BEARER)
@login_required("volunteer")
def withdraw(path: ActivityPath):
    principal = require_principal()
    signups.withdraw_signup(principal, queries.get("need", path.id, principal))
    return "", 204


@api.get("/needs/<int:id>/signups", responses={200: Roster, 404: ErrorOut}, security=BEARER)
@login_required("secretary", "staff")
def need_roster(path: ActivityPath):
    principal = require_principal()
    return roster_out(queries.roster(principal, queries.get("need", path.id, principal)))
