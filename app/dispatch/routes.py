from flask_openapi3 import APIBlueprint, Tag

from app.activities.models import Activity
from app.core import clock
from app.core.auth import login_required, require_principal
from app.core.schemas import ErrorOut
from app.dispatch import offers, rounds
from app.dispatch.schemas import (
    AssignmentList,
    AssignmentOut,
    AssignmentPath,
    RoundCreated,
    RoundIn,
    RoundList,
    RoundOut,
    RoundPath,
)
from app.dispatch.views import assignment_list_out, assignment_out, round_created_out, round_list_out, round_out
from app.extensions import db

api = APIBlueprint(
    "dispatch",
    __name__,
    url_prefix="/api/v1",
    abp_tags=[Tag(name="dispatch", description="派单：邀请与答复，派单轮次")],
)
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


@api.get("/assignments/me", responses={200: AssignmentList}, security=BEARER)
@login_required("volunteer")
def my_assignments():
    """派给我的邀请和已接受的任务，最新的在前。"""
    return assignment_list_out(offers.mine(require_principal()))


@api.post("/assignments/<int:id>/accept", responses={200: AssignmentOut, 409: ErrorOut}, security=BEARER)
@login_required("volunteer")
def accept(path: AssignmentPath):
    """接受邀请：保留的名额转为正式报名（来源 dispatch）。已过期 409 offer_expired，已处理 409 offer_not_open。"""
    offer = offers.accept(require_principal(), path.id)
    return assignment_out(offer, db.session.get_one(Activity, offer.activity_id))


@api.post("/assignments/<int:id>/decline", responses={200: AssignmentOut, 409: ErrorOut}, security=BEARER)
@login_required("volunteer")
def decline(path: AssignmentPath):
    """婉拒邀请（志愿者的权利）：名额释放，这项需求不会再邀请你。已处理 409 offer_not_open。"""
    offer = offers.decline(require_principal(), path.id)
    return assignment_out(offer, db.session.get_one(Activity, offer.activity_id))


@api.post("/dispatch/rounds", responses={201: RoundCreated, 403: ErrorOut, 404: ErrorOut}, security=BEARER)
@login_required("staff")
def post_round(body: RoundIn):
    """立即在辖区内运行一轮派单（不填区划则为本人辖区）；辖区外 403 out_of_scope。"""
    principal = require_principal()
    record = rounds.run_round(principal, rounds.scope_of(principal, body.region), clock.now())
    return round_created_out(record), 201


@api.get("/dispatch/rounds", responses={200: RoundList, 403: ErrorOut}, security=BEARER)
@login_required("staff")
def list_rounds():
    """本人辖区内的派单轮次及其数据，新的在前。"""
    return round_list_out(rounds.listing(require_principal()))


@api.get("/dispatch/rounds/<int:id>", responses={200: RoundOut, 403: ErrorOut, 404: ErrorOut}, security=BEARER)
@login_required("staff")
def get_round(path: RoundPath):
    """一轮派单的数据；辖区外视为不存在（404）。"""
    return round_out(rounds.get(require_principal(), path.id))
