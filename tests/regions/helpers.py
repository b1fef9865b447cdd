"""What the regions tests share: the error contract, and reading the tree and the audit trail."""

import re

from sqlalchemy import select

from app.core.audit import AuditEntry
from app.extensions import db
from app.regions.models import Region

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def assert_error(response, status: int, code: str, *fields: str) -> dict:
    """The contract's error shape with a Chinese message, and a Chinese note on each named field."""
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.json["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code, error
    assert CHINESE.search(error["message"]), error
    for name in fields:
        assert CHINESE.search(error["fields"].get(name, "")), error
    return error


def stored(*codes: str) -> dict[str, tuple[str, bool]]:
    """code → (name, poor_village) of those codes that are in the database."""
    rows = db.session.execute(select(Region.code, Region.name, Region.poor_village).where(Region.code.in_(codes)))
    return {row.code: (row.name, row.poor_village) for row in rows}


def audit_rows(code: str) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.object_type == "region", AuditEntry.object_id == code)
    return list(db.session.scalars(query.order_by(AuditEntry.id)))
