"""What the regions tests share: the error contract, and reading the tree and the audit trail."""

from sqlalchemy import select

from app.core.audit import AuditEntry
from app.extensions import db
from app.regions.models import Region


def stored(*codes: str) -> dict[str, tuple[str, bool]]:
    """code → (name, poor_village) of those codes that are in the database."""
    rows = db.session.execute(select(Region.code, Region.name, Region.poor_village).where(Region.code.in_(codes)))
    return {row.code: (row.name, row.poor_village) for row in rows}


def audit_rows(code: str) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.object_type == "region", AuditEntry.object_id == code)
    return list(db.session.scalars(query.order_by(AuditEntry.id)))
