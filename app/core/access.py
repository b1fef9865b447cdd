"""The one access check: who may act on what, by role and by region scope.

Region codes nest by prefix (province 140000 → "14", city 140100 → "1401", county 140105 →
"140105", township 9 digits, village 12 digits), so scope is a prefix test. Objects outside a
caller's scope are reported as missing (404), so their existence does not leak; a missing role is
403.
"""

from dataclasses import dataclass, field

from app.core.errors import Forbidden, NotFound

LEVEL_PREFIX = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}


def level_of(code: str) -> str:
    if len(code) == 12:
        return "village"
    if len(code) == 9:
        return "township"
    if len(code) == 6:
        if code.endswith("0000"):
            return "province"
        if code.endswith("00"):
            return "city"
        return "county"
    raise ValueError(f"not a region code: {code!r}")


def scope_prefix(code: str) -> str:
    return code[: LEVEL_PREFIX[level_of(code)]]


def covers(scope_code: str, code: str) -> bool:
    """Whether the region `scope_code` contains (or is) the region `code`."""
    return code.startswith(scope_prefix(scope_code))


@dataclass(frozen=True)
class Principal:
    """Who is calling: resolved once per request from the bearer token."""

    user_id: int
    roles: frozenset[str] = field(default_factory=frozenset)
    staff_region: str | None = None
    secretary_village: str | None = None
    volunteer_id: int | None = None

    def has(self, role: str) -> bool:
        return role in self.roles or "admin" in self.roles

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    def sees(self, region_code: str) -> bool:
        """Staff see their region; secretaries their village; admins everything."""
        if self.is_admin:
            return True
        if self.staff_region and covers(self.staff_region, region_code):
            return True
        return bool(self.secretary_village and covers(self.secretary_village, region_code))


def require_role(principal: Principal, *roles: str) -> None:
    if not any(principal.has(role) for role in roles):
        raise Forbidden()


def require_scope(principal: Principal, region_code: str, missing: NotFound | None = None) -> None:
    """Objects in a region the caller cannot see look exactly like missing ones: pass `missing`, the very
    error the caller raises for an id that names nothing (same code, same message)."""
    if not principal.sees(region_code):
        raise missing or NotFound()


def require_organiser(principal: Principal, village_code: str, missing: NotFound | None = None) -> None:
    """Who may run what happens in a village: its secretary, or staff whose region holds it."""
    require_scope(principal, village_code, missing)
    if principal.secretary_village == village_code or principal.has("staff"):
        return
    raise Forbidden("只有本村团支部书记或辖区工作人员可以操作")


def require_staff_over(principal: Principal, region_code: str, *, at_least: str = "county") -> None:
    """Staff (or admin) whose region contains `region_code` and sits at `at_least` level or above."""
    require_role(principal, "staff")
    if principal.is_admin:
        return
    require_scope(principal, region_code)
    # The staff role is conferred only by a staff account, which always names its region.
    assert principal.staff_region is not None
    order = list(LEVEL_PREFIX)
    if order.index(level_of(principal.staff_region)) > order.index(at_least):
        raise Forbidden(f"需要{_LEVEL_NAMES[at_least]}级及以上团委工作人员")


_LEVEL_NAMES = {"province": "省", "city": "市", "county": "县", "township": "乡镇", "village": "村"}
