"""审计 and 志愿者: the audit trail with before and after side by side; volunteers found by name or number,
their phone masked; the whole number read through volunteers.unmask_phone (audited) and shown once."""

from datetime import date

from flask import render_template, request

from app.console import queries
from app.console.blueprint import bp, principal
from app.console.forms import UnmaskForm
from app.core.crypto import mask_phone
from app.volunteers import operations as volunteer_operations


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/audit")
def audit_trail():
    actor = request.args.get("actor", "").strip()
    wanted = queries.AuditFilter(
        object_type=request.args.get("object_type", "").strip() or None,
        object_id=request.args.get("object_id", "").strip()[:64] or None,
        actor_id=int(actor) if actor.isdigit() and len(actor) < 10 else None,
        day_from=_day("from"),
        day_to=_day("to"),
    )
    return render_template(
        "console/audit.html",
        rows=[
            (entry, username, queries.side_by_side(entry))
            for entry, username in queries.audit_trail(principal(), wanted)
        ],
        wanted=wanted,
        types=queries.object_types(principal()),
    )


@bp.get("/volunteers")
def volunteers():
    text = request.args.get("q", "")[:32]
    found = queries.search_volunteers(principal(), text)
    rows = [(volunteer, mask_phone(volunteer.phone)) for volunteer in found]
    return render_template(
        "console/volunteers.html",
        q=text,
        rows=rows,
        form=UnmaskForm(),
        rule=volunteer_operations.UNMASK_RULE,
    )


@bp.post("/volunteers/<int:volunteer_id>/phone")
def unmask_phone(volunteer_id: int):
    """The whole number on this page only (no redirect, no flash: nothing keeps it; the page is no-store)."""
    volunteer, phone = volunteer_operations.unmask_phone(principal(), volunteer_id)  # out of scope: 404
    return render_template(
        "console/volunteer_phone.html",
        volunteer=volunteer,
        phone=phone,
        q=request.args.get("q", "")[:32],
        rule=volunteer_operations.UNMASK_RULE,
    )
