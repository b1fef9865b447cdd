"""Serialising needs (their routes call these)."""

from app.activities.models import Activity
from app.activities.views import columns
from app.needs.schemas import NeedOut
from config.catalog import AREAS


def need_out(need: Activity) -> dict:
    """Needs call their capacity "slots"."""
    assert need.area is not None  # every need is posted with its area (NeedIn requires one; no edit clears it)
    return NeedOut.model_validate(
        {**columns(need), "village_name": need.village.name, "area_name": AREAS[need.area], "slots": need.capacity}
    ).model_dump(mode="json")


def need_list_out(needs: list[Activity]) -> dict:
    return {"items": [need_out(need) for need in needs]}
