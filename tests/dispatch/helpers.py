"""What the offer tests share: an approved need, an offer made as the round will make it."""

from datetime import timedelta

from app.activities.models import Activity
from app.core import auth, clock
from app.dispatch import offers
from app.extensions import db
from tests.contract import created
from tests.fixtures import user_id
from tests.sessions.helpers import need_body

WHY = "同村、技能匹配、近期服务较少"


def approved_need(api, secretary, county, **overrides) -> dict:
    """Saturday 5 December 09:00–12:00 in 小店村 (two slots unless told), approved by the county."""
    need = created(api.as_(secretary).post("/needs", need_body(**overrides)))
    assert api.as_(county).post(f"/needs/{need['id']}/review", {"approve": True}).status_code == 200
    return need


def volunteer_id(app, api, token) -> int:
    with app.app_context():
        found = auth.build_principal(user_id(api, token)).volunteer_id
    assert found is not None
    return found


def offer(app, api, token, need_id, *, hours: int = 24, why: str = WHY) -> int:
    """The dispatcher offers the need to the volunteer (as a round will), committed."""
    vid = volunteer_id(app, api, token)
    with app.app_context():
        made = offers.make_offer(
            db.session.get_one(Activity, need_id),
            vid,
            expires_at=clock.now() + timedelta(hours=hours),
            cost=7,
            terms={"reach": 0, "skills": 0, "fairness": 7},
            why=why,
        )
        db.session.commit()
        return made.id


def seats(app, need_id) -> tuple[int, int, str]:
    with app.app_context():
        activity = db.session.get_one(Activity, need_id)
        return activity.taken, activity.held, activity.status
