"""调度: the region's dispatch rounds with their figures, a round run now (dispatch.rounds.run_round), open offers."""

from flask import flash, redirect, render_template, url_for

from app.console import queries
from app.console.blueprint import bp, principal, region_in_scope, regions_in_reach
from app.console.forms import RoundForm
from app.core import clock
from app.dispatch import rounds


@bp.get("/dispatch")
def dispatch():
    staff = principal()
    return render_template(
        "console/dispatch.html",
        rounds=rounds.listing(staff, limit=50),
        offers=queries.open_offers(staff),
        counts=queries.offer_counts(staff),
        regions=regions_in_reach(staff),
        form=RoundForm(),
    )


@bp.post("/dispatch/rounds")
def run_round():
    staff = principal()
    form = RoundForm()
    if not form.validate():
        flash("请选择要派单的区划", "warning")
        return redirect(url_for("console.dispatch"))
    code = region_in_scope(staff, form.region.data)
    record = rounds.run_round(staff, code, clock.now())
    flash(f"派单完成：{record.slots} 个空缺，发出 {record.offers} 个邀请，补满 {record.filled} 项需求", "success")
    return redirect(url_for("console.round_detail", round_id=record.id))


@bp.get("/dispatch/rounds/<int:round_id>")
def round_detail(round_id: int):
    record = rounds.get(principal(), round_id)
    return render_template("console/round.html", record=record, offers=queries.round_offers(record.id))
