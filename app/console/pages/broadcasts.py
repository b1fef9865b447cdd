"""广播: notices composed through broadcasts.operations.create, their counts, cancelling."""

from datetime import datetime

from flask import flash, redirect, render_template, url_for
from pydantic import ValidationError

from app.broadcasts import operations as broadcasts
from app.broadcasts.schemas import AudienceIn, BroadcastIn
from app.console.blueprint import bp, principal, region_in_scope, regions_in_reach
from app.console.forms import BroadcastForm, CancelForm
from app.core.clock import SERVICE_ZONE
from app.core.schemas import field_errors
from app.regions import operations as regions


def _compose_page(form: BroadcastForm, errors: dict[str, str], status: int = 200, preview: int | None = None):
    staff = principal()
    page = render_template(
        "console/broadcasts.html",
        items=broadcasts.listing(staff, before_id=None, limit=50),
        form=form,
        regions=regions_in_reach(staff),
        errors=errors,
        preview=preview,
    )
    return page, status


@bp.get("/broadcasts")
def broadcast_list():
    return _compose_page(BroadcastForm(), {})


def _audience(form: BroadcastForm) -> dict:
    """The audience as POST /broadcasts takes it; the region was checked to be in scope (else 404)."""
    region = region_in_scope(principal(), form.region.data)
    return {"region": region, "areas": form.areas.data or None, "roles": form.roles.data or None}


@bp.post("/broadcasts/preview")
def preview_broadcast():
    """预览人数: the compose form posted here counts its audience (broadcasts.audience_size) and comes back
    filled in, nothing sent; the title and body may still be empty."""
    form = BroadcastForm()
    audience = _audience(form)
    try:
        wanted = AudienceIn.model_validate(audience)
    except ValidationError as error:
        return _compose_page(
            form, {name.removeprefix("audience."): text for name, text in field_errors(error).items()}, 422
        )
    return _compose_page(form, {}, preview=broadcasts.audience_size(principal(), wanted))


def _send_at(text: str | None) -> datetime | str | None:
    """The form's datetime-local value, read as Beijing time; what does not parse goes on for the schema to name."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=SERVICE_ZONE)
    except ValueError:
        return text


@bp.post("/broadcasts")
def compose_broadcast():
    staff = principal()
    form = BroadcastForm()
    audience = _audience(form)
    errors: dict[str, str] = {}
    if form.validate():
        try:
            data = BroadcastIn.model_validate(
                {
                    "title": form.title.data,
                    "body": form.body.data,
                    "audience": audience,
                    "send_at": _send_at(form.send_at.data),
                }
            )
        except ValidationError as error:
            errors = field_errors(error)
        else:
            broadcast = broadcasts.create(staff, data)
            flash(f"通知「{broadcast.title}」已{'定时' if broadcast.status == 'scheduled' else '开始发送'}", "success")
            return redirect(url_for("console.broadcast_detail", broadcast_id=broadcast.id))
    return _compose_page(form, errors, 422)


@bp.get("/broadcasts/<int:broadcast_id>")
def broadcast_detail(broadcast_id: int):
    broadcast = broadcasts.get(principal(), broadcast_id)
    counts = broadcasts.counts(broadcast)
    return render_template(
        "console/broadcast.html",
        broadcast=broadcast,
        counts=counts,
        status=broadcasts.status_of(broadcast, counts),
        region=regions.get(broadcast.region_code),
        form=CancelForm(),
    )


@bp.post("/broadcasts/<int:broadcast_id>/cancel")
def cancel_broadcast(broadcast_id: int):
    broadcast = broadcasts.cancel(broadcasts.get(principal(), broadcast_id))
    flash(f"通知「{broadcast.title}」已撤回，尚未推送的不再推送", "success")
    return redirect(url_for("console.broadcast_detail", broadcast_id=broadcast.id))
