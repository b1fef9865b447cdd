from flask_openapi3 import APIBlueprint, Tag

from app.activities import lifecycle, queries, signups
from app.activities.schemas import ActivityPath, CancelIn, Roster, SignupOut
from app.activities.views import roster_out, signup_out
from app.core.auth import current_principal, login_required, require_principal
from app.core.caching import revalidated
from app.core.schemas import ErrorOut
from app.core.transactions import reads_only
from app.sessions import operations
from app.sessions.schemas import (
    SessionCreated,
    SessionIn,
    SessionList,
    SessionOut,
    SessionPatch,
    SessionQuery,
)
from app.sessions.views import LIST_COLUMNS, scheduled_out, session_list_out, session_out

api = APIBlueprint(
    "sessions",
    __name__,
    url_prefix="/api/v1",
    abp_tags=[Tag(name="sessions", description="青年夜校与青年讲习所")],
)
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


@api.post("/sessions", responses={201: SessionCreated, 403: ErrorOut, 422: ErrorOut}, security=BEARER)
@login_required("secretary")
def schedule(body: SessionIn):
    """村团支部书记安排夜校或讲习所；可带 RFC 5545 重复规则（如每周二，全年）。"""
    session, occurrences, total = operations.schedule(require_principal(), body)
    return scheduled_out(session, occurrences, total), 201


@api.get("/sessions", responses={200: SessionList, 304: None})
@reads_only
def list_sessions(query: SessionQuery):
    rows = queries.listing_rows(
        "session",
        current_principal(),
        LIST_COLUMNS,
        region=query.region,
        status=query.status,
        starts_from=query.starts_from,
        starts_to=query.starts_to,
        limit=query.limit,
        kind=query.kind,
        topic=query.topic,
    )
    return revalidated(session_list_out(rows))


@api.get("/sessions/<int:id>", responses={200: SessionOut, 404: ErrorOut})
def get_session(path: ActivityPath):
    return session_out(queries.get("session", path.id, current_principal()))


@api.patch("/sessions/<int:id>", responses={200: SessionOut, 404: ErrorOut, 409: ErrorOut}, security=BEARER)
@login_required("secretary", "staff")
def edit_session(path: ActivityPath, body: SessionPatch):
    """修改单场（时间、名额、标题）；已报名的志愿者会收到时间变更通知。"""
    principal = require_principal()
    session = queries.get("session", path.id, principal)
    changes = body.model_dump(exclude_unset=True)
    return session_out(lifecycle.edit(principal, session, changes))


@api.post("/sessions/<int:id>/cancel", responses={200: SessionOut, 404: ErrorOut, 409: ErrorOut}, security=BEARER)
@login_required("secretary", "staff")
def cancel_session(path: ActivityPath, body: CancelIn):
    principal = require_principal()
    session = queries.get("session", path.id, principal)
    return session_out(lifecycle.cancel(principal, session, body.reason))


@api.post("/sessions/<int:id>/signups", responses={201: SignupOut, 404: ErrorOut, 409: ErrorOut}, security=BEARER)
@login_required("volunteer")
def sign_up(path: ActivityPath):
    """报名：有座位则确认，否则进入候补并返回位次。"""
    principal = require_principal()
    signup, position = signups.sign_up(principal, "session", path.id, waitlist=True)
    return signup_out(signup, position), 201


@api.delete("/sessions/<int:id>/signups/me", responses={204: None, 404: ErrorOut, 409: ErrorOut}, security=BEARER)
@login_required("volunteer")
def withdraw(path: ActivityPath):
    """取消报名：座位让给候补第一位，并通知他。"""
    principal = require_principal()
    signups.withdraw_signup(principal, queries.get("session", path.id, principal))
    return "", 204


@api.get("/sessions/<int:id>/signups", responses={200: Roster, 404: ErrorOut}, security=BEARER)
@login_required("secretary", "staff")
def session_roster(path: ActivityPath):
    principal = require_principal()
    return roster_out(queries.roster(principal, queries.get("session", path.id, principal)))
