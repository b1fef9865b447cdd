"""What volunteers are told about the activities they signed up for (through notify)."""

from sqlalchemy import select

from app.activities.models import Activity, Signup
from app.core import clock
from app.extensions import db
from app.notify import operations as notify
from app.volunteers.models import Volunteer


def notice_fields(activity: Activity) -> dict:
    """Our named fields of a notice about an activity, for the push template."""
    return {"title": activity.title, "time": activity.starts_at.isoformat(), "place": activity.village.name}


def signup_notices(activity: Activity) -> dict[str, tuple[str, str]]:
    """What the volunteer is told for each outcome ({position} is filled in with the queue place)."""
    return {
        "confirmed": (
            "报名成功",
            f"你已报名「{activity.title}」，{clock.spoken(activity.starts_at)} 在{activity.village.name}，请准时参加。",
        ),
        "waitlisted": (
            "已进入候补",
            f"「{activity.title}」名额已满，你在候补第 {{position}} 位；有人取消时将按顺序递补并通知你。",
        ),
    }


def tell(
    signup: Signup, activity: Activity, purpose: str, event: str, title: str, body: str, *, user_id: int | None = None
) -> None:
    """One message per (activity, event, volunteer): the same event never tells anyone twice."""
    if user_id is None:
        # The sign-up's foreign key names the volunteer.
        user_id = db.session.execute(select(Volunteer.user_id).where(Volunteer.id == signup.volunteer_id)).scalar_one()
    notify.tell(
        user_id,
        purpose,
        f"{activity.type}:{activity.id}:{event}:{signup.volunteer_id}",
        title,
        body,
        link=f"{activity.type}:{activity.id}",
        fields={**notice_fields(activity), "status": title},
    )
