from flask import Response, current_app
from flask_limiter.util import get_remote_address
from flask_openapi3 import APIBlueprint, Tag

from app.core.auth import current_principal, login_required, require_principal
from app.core.schemas import BLUEPRINT_RESPONSES, ErrorOut
from app.core.transactions import reads_only
from app.extensions import limiter
from app.volunteers import numbers, operations
from app.volunteers.models import Volunteer
from app.volunteers.schemas import (
    AreaList,
    AreaOut,
    AreaPath,
    ConsentOut,
    MembershipOut,
    NationalNoIn,
    NationalNoOut,
    PolicyOut,
    VolunteerIn,
    VolunteerOut,
    VolunteerPatch,
    VolunteerPath,
)
from config.catalog import AREA_DESCRIPTIONS, AREAS, PRIVACY_POLICY_VERSION

api = APIBlueprint(
    "volunteers",
    __name__,
    url_prefix="/api/v1",
    abp_tags=[Tag(name="volunteers", description="志愿者与服务队")],
    abp_responses=BLUEPRINT_RESPONSES,
)

BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


def _phone_refused(response: Response) -> bool:
    """Only answers that a phone number is taken count: they are what a number prober collects."""
    return (
        response.status_code == 409
        and (response.get_json(silent=True) or {}).get("error", {}).get("code") == "phone_taken"
    )


def _caller() -> str:
    principal = current_principal()
    return f"user:{principal.user_id}" if principal else get_remote_address()


# Registration and profile changes share the allowance, per user and per client address.
_phone_guesses_per_user = limiter.shared_limit(
    lambda: current_app.config["PHONE_TAKEN_LIMIT_PER_USER"],
    scope="phone_taken_user",
    key_func=_caller,
    deduct_when=_phone_refused,
)
_phone_guesses_per_client = limiter.shared_limit(
    lambda: current_app.config["PHONE_TAKEN_LIMIT_PER_CLIENT"],
    scope="phone_taken_client",
    key_func=get_remote_address,
    deduct_when=_phone_refused,
)


def profile(volunteer: Volunteer) -> dict:
    out = VolunteerOut(
        id=volunteer.id,
        volunteer_no=volunteer.volunteer_no,
        national_no=volunteer.national_no,
        name=volunteer.name,
        phone=volunteer.phone,
        id_number=volunteer.id_number,
        gender=volunteer.gender,
        birth_year=volunteer.birth_year,
        home_region=volunteer.home_region_code,
        areas=volunteer.areas,
        skills=volunteer.skills,
        availability=volunteer.availability,
        consent=ConsentOut(
            version=volunteer.consent_version,
            consented_at=volunteer.consented_at,
            sensitive=volunteer.sensitive_consent_at is not None,
        ),
        offers_paused=volunteer.offers_paused,
        monthly_hours_cap=volunteer.monthly_hours_cap,
        digest_opt_in=volunteer.digest_opt_in,
        listed=volunteer.listed,
        created_at=volunteer.created_at,
        updated_at=volunteer.updated_at,
    )
    return out.model_dump(mode="json")


@api.get("/areas", responses={200: AreaList})
def list_areas():
    """九类志愿服务领域。"""
    items = [AreaOut(code=code, name=name, description=AREA_DESCRIPTIONS[code]) for code, name in AREAS.items()]
    return AreaList(items=items).model_dump()


@api.get("/privacy-policy", responses={200: PolicyOut})
def privacy_policy():
    """当前隐私政策版本：注册时 consent.version 须与之一致。"""
    return PolicyOut(version=PRIVACY_POLICY_VERSION, title="青年志愿者服务平台隐私政策").model_dump()


@api.post("/volunteers/me", responses={201: VolunteerOut, 409: ErrorOut, 429: ErrorOut}, security=BEARER)
@_phone_guesses_per_user
@_phone_guesses_per_client
@login_required()
def register(body: VolunteerIn):
    """注册成为志愿者；手机号、身份证号在所有响应中脱敏。"""
    return profile(operations.register(require_principal(), body)), 201


@api.get("/volunteers/me", responses={200: VolunteerOut, 404: ErrorOut}, security=BEARER)
@reads_only
@login_required()
def read_profile():
    return profile(operations.get_own(require_principal()))


@api.patch(
    "/volunteers/me", responses={200: VolunteerOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut}, security=BEARER
)
@_phone_guesses_per_user
@_phone_guesses_per_client
@login_required()
def change_profile(body: VolunteerPatch):
    return profile(operations.update(require_principal(), body))


@api.delete("/volunteers/me", responses={204: None, 404: ErrorOut}, security=BEARER)
@login_required()
def withdraw():
    """注销：个人信息删除，服务记录匿名保留。"""
    operations.withdraw(require_principal())
    return "", 204


@api.post("/teams/<area>/members/me", responses={201: MembershipOut, 200: MembershipOut}, security=BEARER)
@login_required()
def join_team(path: AreaPath):
    membership, created = operations.join_team(require_principal(), path.area)
    return MembershipOut.model_validate(membership).model_dump(mode="json"), 201 if created else 200


@api.delete("/teams/<area>/members/me", responses={204: None, 404: ErrorOut, 409: ErrorOut}, security=BEARER)
@login_required()
def leave_team(path: AreaPath):
    operations.leave_team(require_principal(), path.area)
    return "", 204


@api.put(
    "/volunteers/<int:id>/national-no",
    responses={200: NationalNoOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    security=BEARER,
)
@login_required("staff")
def set_national_no(path: VolunteerPath, body: NationalNoIn):
    """登记（或清除）志愿者在全国志愿服务信息系统的统一编号：常住地在本人辖区内的志愿者；重复 409 national_no_taken。"""
    volunteer = numbers.set_national_no(require_principal(), path.id, body.national_no)
    return NationalNoOut.model_validate(volunteer).model_dump(mode="json")
