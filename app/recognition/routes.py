from flask_openapi3 import APIBlueprint, Tag

from app.core.auth import login_required, require_principal
from app.core.schemas import BLUEPRINT_RESPONSES, ErrorOut
from app.recognition import operations, rankings
from app.recognition.models import Nomination
from app.recognition.schemas import (
    NominationIn,
    NominationList,
    NominationOut,
    NominationPath,
    NominationQuery,
    NominationReviewIn,
    PioneerList,
    PioneerQuery,
    RankingOut,
    RankingQuery,
)
from app.volunteers.models import Volunteer

api = APIBlueprint(
    "recognition",
    __name__,
    url_prefix="/api/v1",
    abp_tags=[Tag(name="recognition", description="山西脱贫攻坚青年先锋：推荐、审核、公布；服务时长排行榜")],
    abp_responses=BLUEPRINT_RESPONSES,
)
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


def nomination_out(nomination: Nomination, volunteer: Volunteer) -> dict:
    return NominationOut(
        id=nomination.id,
        volunteer_no=volunteer.volunteer_no,
        name=operations.display_name(volunteer.name),
        county=nomination.county_code,
        year=nomination.year,
        story=nomination.story,
        status=nomination.status,
        reason=nomination.reason,
        nominated_at=nomination.nominated_at,
        county_reviewed_at=nomination.county_reviewed_at,
        province_reviewed_at=nomination.province_reviewed_at,
    ).model_dump(mode="json")


def _with_volunteer(nomination: Nomination) -> dict:
    return nomination_out(nomination, operations.volunteer_of(nomination))


@api.post(
    "/nominations",
    responses={201: NominationOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 503: ErrorOut},
    security=BEARER,
)
@login_required("secretary", "staff")
def nominate(body: NominationIn):
    """推荐山西脱贫攻坚青年先锋：村团支部书记或县级团委工作人员，推荐本县的志愿者（常住本县或在本县服务过），附先进事迹；
    同一志愿者一年一次（409 already_nominated）。"""
    return _with_volunteer(operations.nominate(require_principal(), body.volunteer_no, body.story)), 201


@api.get("/nominations", responses={200: NominationList}, security=BEARER)
@login_required("secretary", "staff")
def list_nominations(query: NominationQuery):
    """工作人员：辖区各县的推荐；村团支部书记：本人的推荐。"""
    rows = operations.listing(require_principal(), status=query.status)
    return {"items": [nomination_out(nomination, volunteer) for nomination, volunteer in rows]}


@api.post(
    "/nominations/<int:id>/review",
    responses={200: NominationOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 503: ErrorOut},
    security=BEARER,
)
@login_required("staff")
def review_nomination(path: NominationPath, body: NominationReviewIn):
    """先由县级团委审核（nominated → county_approved / rejected），再由省级团委审核发布（→ published / rejected）；
    不通过须说明原因。层级不符 403 review_level；已审核完毕 409 not_reviewable。"""
    nomination = operations.review(require_principal(), path.id, approve=body.approve, reason=body.reason)
    return _with_volunteer(nomination)


@api.get("/pioneers", responses={200: PioneerList})
def list_pioneers(query: PioneerQuery):
    """已公布的山西脱贫攻坚青年先锋名单：显示名、所在县、先进事迹。"""
    found = rankings.pioneers(year=query.year, county=query.county)
    return PioneerList.model_validate(
        {
            "items": [
                {
                    "name": p.name,
                    "county": p.county_code,
                    "county_name": p.county_name,
                    "year": p.year,
                    "story": p.story,
                }
                for p in found
            ]
        }
    ).model_dump(mode="json")


@api.get("/rankings/hours", responses={200: RankingOut})
def hours_ranking(query: RankingQuery):
    """县级服务时长排行榜（年度，前 50 名）：只列出本人同意上榜的志愿者，以显示名（脱敏姓名）展示。"""
    ranked = rankings.hours_ranking(query.county, query.year)
    return RankingOut.model_validate(
        {"county": query.county, "year": query.year, "items": [vars(row) for row in ranked]}
    ).model_dump(mode="json")
