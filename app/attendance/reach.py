"""Villagers reached (参与村民): how many villagers took part in a need or session, and how many of them
from registered poor households (建档立卡贫困户). Counts only, never who: the organiser enters them for
the activity while confirming its records; the latest count given stands, each change audited."""

from app.activities.models import Activity
from app.core import audit

#: More than any village gathers for one activity: a larger number is a typo.
MAX_VILLAGERS = 10_000


def record_reach(activity: Activity, villagers: int, poor_households: int | None) -> None:
    """The request schema has checked the bounds (0 ≤ poor ≤ villagers ≤ MAX_VILLAGERS); the table checks again."""
    before = {"villagers": activity.villagers, "poor_households": activity.poor_households}
    after = {"villagers": villagers, "poor_households": poor_households}
    if before == after:
        return
    # Not an edit of what volunteers signed up for: updated_at (the sign-up caches' key) stays.
    activity.villagers, activity.poor_households = villagers, poor_households
    audit.record("reach", activity.type, activity.id, before=before, after=after, region_code=activity.village_code)
