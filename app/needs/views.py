"""Serialising needs (their routes call these)."""

from sqlalchemy import RowMapping

from app.activities.models import Activity
from app.activities.views import LISTED, columns, listed_out
from app.needs.schemas import NeedOut
from config.catalog import AREAS


def need_out(need: Activity) -> dict:
    """Needs call their capacity "slots"."""
    assert need.area is not None  # every need is posted with its area (NeedIn requires one; no edit clears it)
    return NeedOut.model_validate(
        {**columns(need), "village_name": need.village.name, "area_name": AREAS[need.area], "slots": need.capacity}
    ).model_dump(mode="json")


#: What a need list reads of each row (queries.listing_rows).
LIST_COLUMNS = (*LISTED, Activity.area, Activity.skills, Activity.review_reason, Activity.relay)


def need_list_out(rows: list[RowMapping]) -> dict:
    """NeedList of rows of LIST_COLUMNS, built directly (as need_out answers each)."""
    return {
        "items": [
            {
                **listed_out(row),
                "area": row["area"],
                "area_name": AREAS[row["area"]],
                "skills": row["skills"],
                "slots": row["capacity"],
                "review_reason": row["review_reason"],
                "relay": row["relay"],
            }
            for row in rows
        ]
    }
