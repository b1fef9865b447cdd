"""志愿者统一编号: staff record the number the national volunteer information system gave a volunteer
(records and certificates then carry it beside ours). Staff whose region holds the volunteer's home may
set or clear it; the same number on two volunteers is refused."""

from sqlalchemy import select

from app.core import audit, clock
from app.core.access import Principal, covers, require_role
from app.core.errors import Conflict, NotFound
from app.extensions import db
from app.volunteers.models import Volunteer


def in_scope(principal: Principal, volunteer_id: int) -> Volunteer:
    """A registered volunteer whose home the staff member's region holds (admins: any); 404 otherwise."""
    require_role(principal, "staff")
    volunteer = db.session.get(Volunteer, volunteer_id)
    home = volunteer.home_region_code if volunteer is not None else None
    mine = principal.is_admin or bool(principal.staff_region and home and covers(principal.staff_region, home))
    if volunteer is None or not mine or volunteer.withdrawn_at is not None:
        raise NotFound("志愿者不存在", code="volunteer_not_found")
    return volunteer


def set_national_no(principal: Principal, volunteer_id: int, number: str | None) -> Volunteer:
    volunteer = in_scope(principal, volunteer_id)
    if number == volunteer.national_no:
        return volunteer
    if number is not None:
        holder = db.session.scalar(select(Volunteer.id).where(Volunteer.national_no == number))
        if holder is not None:
            raise Conflict(
                "该志愿者统一编号已登记在另一位志愿者名下", code="national_no_taken", fields={"national_no": "已被使用"}
            )
    before = volunteer.national_no
    volunteer.national_no, volunteer.updated_at = number, clock.now()
    db.session.flush()
    audit.record(
        "update",
        "volunteer",
        volunteer.id,
        before={"national_no": before},
        after={"national_no": number},
        region_code=volunteer.home_region_code,
    )
    return volunteer
