from flask_openapi3 import APIBlueprint, Tag

from app.activities.models import Activity
from app.core import clock
from app.core.auth import login_required, require_principal
from app.core.schemas import ErrorOut
from app.dispatch import offers, pairings, rounds
from app.dispatch.schemas import (
    AssignmentList,
    AssignmentOut,
    AssignmentPath,
    PairingIn,
    PairingList,
    PairingOut,
    PairingPath,
    RoundCreated,
    RoundIn,
    RoundList,
    RoundOut,
    RoundPath,
)
from app.dispatch.views import (
    assignment_list_out,
    assignment_out,
    pairing_list_out,
    pairing_out,
    round_created_out,
    round_list_out,
    round_out,
)
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


# --- 结对帮扶 (pairings) ---------------------------------------------------------------------------------


@api.post(
    "/pairings",
    responses={201: PairingOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    security=BEARER,
)
@login_required("staff")
def post_pairing(body: PairingIn):
    """结对帮扶：帮扶地区的志愿者视为在受援地区需求的可达范围内。市级、省级团委工作人员，受援地区须在本人辖区内
    （辖区外 403 out_of_scope，县级 403 pairing_level）；已结对 409 pairing_exists；两地相同或互相包含 422。"""
    record = pairings.create(require_principal(), body.helping_region, body.helped_region)
    return pairing_out(record), 201


@api.get("/pairings", responses={200: PairingList, 403: ErrorOut}, security=BEARER)
@login_required("staff")
def list_pairings():
    """受援地区在本人辖区内的结对关系，新的在前（市级及以上）。"""
    return pairing_list_out(pairings.listing(require_principal()))


@api.delete("/pairings/<int:id>", responses={204: None, 403: ErrorOut, 404: ErrorOut}, security=BEARER)
@login_required("staff")
def delete_pairing(path: PairingPath):
    """解除结对；辖区外视为不存在（404 pairing_not_found）。已发出的邀请不受影响。"""
    pairings.delete(require_principal(), path.id)
    return "", 204
