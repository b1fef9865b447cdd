"""结对帮扶: staff pair a helping region with a helped one, and the helping region's volunteers count as within
reach of the helped region's needs.

Who: staff at city or province level (or an admin) whose region holds the helped region; county staff are
refused (403). A helped region outside the caller's region is 403 `out_of_scope` naming the field, as a round
asked for outside one's scope is; a pairing outside it is missing (404), as every object outside a scope is.
The helping region may lie anywhere (a well-off county of another city helps a poor one of ours). The two
differ and neither contains the other.

For the round (app.dispatch.rounds): `paired_with(village_codes)` answers, in one query, every pairing whose
helped region is (or contains) one of the villages; `helping_by_village` groups them per village.
"""

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core import audit, clock
from app.core.access import LEVEL_PREFIX, Principal, covers, level_of, require_role, scope_prefix
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.dispatch.models import RegionPairing
from app.extensions import db
from app.regions import operations as regions

#: Staff at these levels may pair regions (a county's staff may not).
PAIRING_LEVELS = ("province", "city")


def _require_pairing_staff(principal: Principal) -> None:
    require_role(principal, "staff")
    if principal.is_admin:
        return
    # The staff role is conferred only by a staff account, which always names its region.
    assert principal.staff_region is not None
    if level_of(principal.staff_region) not in PAIRING_LEVELS:
        raise Forbidden("需要市级及以上团委工作人员", code="pairing_level")


def _sees(principal: Principal, code: str) -> bool:
    return principal.is_admin or bool(principal.staff_region and covers(principal.staff_region, code))


def snapshot(pairing: RegionPairing) -> dict:
    return {"helping_region": pairing.helping_code, "helped_region": pairing.helped_code}


def create(principal: Principal, helping_code: str, helped_code: str) -> RegionPairing:
    """Pair two regions; the same pair twice is 409 `pairing_exists`."""
    _require_pairing_staff(principal)
    regions.ensure_exists(helping_code, field_name="helping_region")
    regions.ensure_exists(helped_code, field_name="helped_region")
    if not _sees(principal, helped_code):
        raise Forbidden("该区划不在你的管辖范围内", code="out_of_scope", fields={"helped_region": "不在你的管辖范围内"})
    if helping_code == helped_code:
        raise InvalidInput(fields={"helping_region": "不能与受援地区相同"})
    if covers(helping_code, helped_code) or covers(helped_code, helping_code):
        raise InvalidInput(fields={"helping_region": "帮扶地区与受援地区不能互相包含"})
    if _existing(helping_code, helped_code) is not None:
        raise _exists()
    pairing = RegionPairing(
        helping_code=helping_code, helped_code=helped_code, created_by=principal.user_id, created_at=clock.now()
    )
    try:
        with db.session.begin_nested():
            db.session.add(pairing)
            db.session.flush()
    except IntegrityError:  # the same pair created at the same moment by someone else
        raise _exists() from None
    audit.record("create", "region_pairing", pairing.id, after=snapshot(pairing), region_code=helped_code)
    return pairing


def _existing(helping_code: str, helped_code: str) -> int | None:
    return db.session.scalar(
        select(RegionPairing.id).where(
            RegionPairing.helping_code == helping_code, RegionPairing.helped_code == helped_code
        )
    )


def _exists() -> Conflict:
    return Conflict("这两个地区已经结对", code="pairing_exists")


def listing(principal: Principal, *, limit: int = 500) -> list[RegionPairing]:
    """The pairings whose helped region lies within the caller's region (all for an admin), newest first."""
    _require_pairing_staff(principal)
    query = select(RegionPairing).order_by(RegionPairing.id.desc()).limit(limit)
    if not principal.is_admin:
        assert principal.staff_region is not None
        query = query.where(RegionPairing.helped_code.like(scope_prefix(principal.staff_region) + "%"))
    return list(db.session.scalars(query))


def get(principal: Principal, pairing_id: int) -> RegionPairing:
    _require_pairing_staff(principal)
    pairing = db.session.get(RegionPairing, pairing_id)
    if pairing is None or not _sees(principal, pairing.helped_code):
        raise NotFound("结对关系不存在", code="pairing_not_found")
    return pairing


def delete(principal: Principal, pairing_id: int) -> None:
    """End a pairing (offers already made stay as they are; later rounds no longer widen the reach)."""
    pairing = get(principal, pairing_id)
    before = snapshot(pairing)
    db.session.delete(pairing)
    db.session.flush()
    audit.record("delete", "region_pairing", pairing_id, before=before, region_code=pairing.helped_code)


# --- for the round ----------------------------------------------------------------------------------------


def ancestors(code: str) -> list[str]:
    """The code and the codes of every region above it, by the prefix rule: 140105001001 → 140000, 140100,
    140105, 140105001, 140105001001."""
    found = {code}
    for digits in LEVEL_PREFIX.values():
        if digits < len(code):
            found.add(code[:digits].ljust(6, "0"))
    return sorted(found, key=lambda c: (len(c.rstrip("0")), c))


def paired_with(village_codes: Iterable[str]) -> list[tuple[str, str]]:
    """(helping_code, helped_code) of every pairing whose helped region is any given village or holds it.

    One query (helped_code IN every ancestor-or-self code of the villages, on ix_region_pairings_helped_code);
    for a province's thousands of codes, every pairing (staff make a few hundred at most) kept by the same test
    here, rather than an IN list of 6,000 bound codes to compile and send.
    """
    wanted = {ancestor for code in set(village_codes) for ancestor in ancestors(code)}
    if not wanted:
        return []
    query = select(RegionPairing.helping_code, RegionPairing.helped_code).order_by(
        RegionPairing.helped_code, RegionPairing.helping_code
    )
    if len(wanted) <= MANY_CODES:
        query = query.where(RegionPairing.helped_code.in_(sorted(wanted)))
    return [(helping, helped) for helping, helped in db.session.execute(query) if helped in wanted]


#: More codes than this and paired_with reads every pairing instead of an IN list.
MANY_CODES = 200


def helping_by_village(village_codes: Iterable[str]) -> dict[str, set[str]]:
    """Village code → the helping region codes whose volunteers count as within reach of it (villages with no
    pairing are left out)."""
    villages = set(village_codes)
    pairs = paired_with(villages)
    found: dict[str, set[str]] = defaultdict(set)
    for village in villages:
        for helping, helped in pairs:
            if covers(helped, village):
                found[village].add(helping)
    return dict(found)
