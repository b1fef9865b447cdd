"""The volunteers a round may offer to, read as numpy arrays from fixed-width columns, never through the ORM.

One SELECT of derived columns (home code as a padded integer, the availability day masks, the rollup's fairness
figures, the monthly cap) over the volunteers whose home lies under the round's reach prefixes, and two of
(volunteer, small integer) pairs for team areas and the skills the slots ask for. On PostgreSQL each is read by
binary COPY and parsed by numpy in one step (every field fixed-width and NOT NULL, so a row is a fixed-size
record); elsewhere the same SELECT runs as a query. Nothing decrypts a phone or builds a Volunteer object.

Beside them, the moments each volunteer is already busy (confirmed sign-ups and open offers, in the window the
slots, the rest rule and the monthly cap look at) and the (activity, volunteer) pairs offered before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import (
    Integer,
    Select,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects import sqlite

from app.activities.models import Activity, Signup
from app.core.db import UTCDateTime, among, rowcount
from app.dispatch.models import DispatchRollup, Offer
from app.extensions import db
from app.volunteers.availability import AREA_INDEX, MASK_BYTES
from app.volunteers.models import Volunteer

HALF_HOUR = 1800


@dataclass
class Pool:
    """Volunteers as parallel arrays, sorted by id (position = index). Busy intervals are epoch seconds."""

    ids: np.ndarray  # int64 (n,)
    home_padded: np.ndarray  # int64: the home code padded with zeros to 12 digits
    home_digits: np.ndarray  # int64: the home code's significant digits (12 village … 2 province)
    masks: np.ndarray  # int64 (n, 7) availability day masks
    half_hours_90d: np.ndarray
    offers_90d: np.ndarray
    declines: np.ndarray
    no_shows: np.ndarray
    monthly_cap: np.ndarray  # int64 hours; -1: no cap of their own
    teams: np.ndarray  # int64 bit per area (AREA_INDEX)
    skills: dict[str, np.ndarray] = field(default_factory=dict)  # normalised skill → bool per volunteer
    busy_volunteer: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # position
    busy_start: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    busy_end: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    busy_offer: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # an open offer, not a sign-up
    #: (activity id, volunteer id) pairs ever offered, for the slots loaded.
    offered_activity: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    offered_volunteer: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def size(self) -> int:
        return int(self.ids.size)

    def positions(self, volunteer_ids: np.ndarray) -> np.ndarray:
        """Positions of the given ids in the pool, -1 where absent."""
        ids = np.asarray(volunteer_ids, dtype=np.int64)
        if not self.ids.size:
            return np.full(ids.shape, -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.ids, ids), self.ids.size - 1)
        return np.where(self.ids[at] == ids, at, -1)

    @property
    def open_offers(self) -> np.ndarray:
        return np.bincount(self.busy_volunteer[self.busy_offer], minlength=self.size).astype(np.int64)


# --- the SELECTs ---------------------------------------------------------------------------------------------


def _padded_home() -> Any:
    return cast(func.substr(Volunteer.home_region_code + "000000000000", 1, 12), db.BigInteger)


def _home_digits() -> Any:
    code = Volunteer.home_region_code
    return case(
        (func.length(code) == 12, 12),
        (func.length(code) == 9, 9),
        (func.substr(code, 3, 4) == "0000", 2),
        (func.substr(code, 5, 2) == "00", 4),
        else_=6,
    )


def _under(prefixes: Sequence[str]) -> Any:
    """Home under any of the prefixes: one IN list per prefix length (a hash probe each), not one LIKE per prefix —
    a province round has a hundred county prefixes and a million homes."""
    if not prefixes:
        return true()
    if len(prefixes) <= SMALL_REACH:  # a re-offer's reach: index range scans on ix_volunteers_home_region_code
        return or_(
            *(
                and_(Volunteer.home_region_code >= prefix, Volunteer.home_region_code < _after(prefix))
                for prefix in prefixes
            )
        )
    by_length: dict[int, list[str]] = {}
    for prefix in prefixes:
        by_length.setdefault(len(prefix), []).append(prefix)
    return or_(
        *(
            func.substr(Volunteer.home_region_code, 1, length).in_(sorted(group))
            for length, group in sorted(by_length.items())
        )
    )


#: Up to this many prefixes a reach is read by index ranges (a re-offer's), beyond it by a scan (a round's).
SMALL_REACH = 8
#: Up to this many volunteers a pool's skills and commitments are read by their ids.
SMALL_POOL = 20_000


def _after(prefix: str) -> str:
    """The least code string above every code starting with `prefix` (digits only)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


#: A slot's weekly cells (weekday, half-hour bits: eligibility.needed_masks), a volunteer available for one of them.
Windows = Sequence[Sequence[tuple[int, int]]]


def available_in(windows: Windows, masks: Any = Volunteer.availability_mask) -> Any:
    """Available for one of the slots (PostgreSQL, a small reach only): each day's needed half-hours all set in
    the stored masks (seven little-endian int64), tested byte by byte with get_byte. A pre-filter for a
    re-offer's read only; graph.build applies the rule itself, on every database."""
    per_slot = []
    for days in windows:
        tests = [
            masks.is_not(None),
            *(
                func.get_byte(masks, day * 8 + k).op("&")(byte) == byte
                for day, cells in days
                for k in range(8)
                if (byte := (cells >> (8 * k)) & 0xFF)
            ),
        ]
        per_slot.append(and_(*tests))
    return or_(*per_slot)


def _who(prefixes: Sequence[str], only: Iterable[int] | None, teams: int = 0, windows: Windows | None = None) -> Any:
    """`teams`: area team bits (Volunteer.team_bits) of which a volunteer must hold one; 0, any. `windows`: the
    slots' times, to read only volunteers available for one (a small reach on PostgreSQL; elsewhere ignored)."""
    condition = and_(
        Volunteer.withdrawn_at.is_(None),
        Volunteer.offers_paused.is_(False),
        Volunteer.home_region_code.is_not(None),
        _under(prefixes),
    )
    if only is not None:
        condition = and_(condition, Volunteer.id.in_(sorted({int(v) for v in only})))
    small = bool(prefixes) and len(prefixes) <= SMALL_REACH
    if teams and small:
        # Every mask holding one of the bits, so ix_volunteers_team_bits_home reads the team within the reach
        # (and the planner estimates the list from team_bits' statistics; `&` it cannot).
        masks = [mask for mask in range(1, 1 << len(AREA_INDEX)) if mask & teams]
        condition = and_(condition, Volunteer.team_bits.in_(masks))
    elif teams:
        condition = and_(condition, Volunteer.team_bits.op("&")(teams) != 0)
    if windows and small and db.session.get_bind().dialect.name == "postgresql":
        condition = and_(condition, available_in(windows))
    return condition


def volunteers_select(
    prefixes: Sequence[str],
    only: Iterable[int] | None = None,
    teams: int = 0,
    *,
    with_rollup: bool = True,
    windows: Windows | None = None,
) -> Select:
    """One row per eligible-looking volunteer, every column fixed-width and not null (the COPY layout), with
    the rollup's figures joined in, or, without `with_rollup`, apart (rollups_select): for a province's
    million, the join cost more than reading the rollup table on its own."""
    rollup = DispatchRollup
    figures = (
        (
            cast(func.coalesce(rollup.half_hours_90d, 0), db.BigInteger),
            cast(func.coalesce(rollup.offers_90d, 0), db.BigInteger),
            cast(func.coalesce(rollup.declines_90d, 0), db.BigInteger),
            cast(func.coalesce(rollup.no_shows, 0), db.BigInteger),
        )
        if with_rollup
        else ()
    )
    query = select(
        Volunteer.id.cast(db.BigInteger),
        _padded_home(),
        cast(_home_digits(), db.BigInteger),
        func.coalesce(Volunteer.availability_mask, literal(bytes(MASK_BYTES))),
        *figures,
        cast(func.coalesce(Volunteer.monthly_hours_cap, -1), db.BigInteger),
        cast(Volunteer.team_bits, db.BigInteger),
    ).select_from(Volunteer)
    if with_rollup:
        query = query.outerjoin(rollup, rollup.volunteer_id == Volunteer.id)
    # No ORDER BY: a million-row sort spills; numpy sorts the ids.
    return query.where(_who(prefixes, only, teams, windows))


def rollups_select(volunteer_ids: list[int] | None = None) -> Select:
    """The rollup rows read apart from volunteers_select: those of the given volunteers (by key), or every row
    for a pool holding most volunteers anyway (a plain scan; the pool's positions drop the rest)."""
    rollup = DispatchRollup
    query = select(
        cast(rollup.volunteer_id, db.BigInteger),
        cast(rollup.half_hours_90d, db.BigInteger),
        cast(rollup.offers_90d, db.BigInteger),
        cast(rollup.declines_90d, db.BigInteger),
        cast(rollup.no_shows, db.BigInteger),
    )
    return query if volunteer_ids is None else query.where(among(rollup.volunteer_id, volunteer_ids))


def skills_select(
    prefixes: Sequence[str],
    wanted: Sequence[str],
    only: Iterable[int] | None = None,
    teams: int = 0,
    windows: Windows | None = None,
) -> Select:
    """(volunteer id, index into `wanted`) for each wanted normalised skill a volunteer holds."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        keys = func.json_array_elements_text(Volunteer.skill_keys).table_valued("value").lateral()
    else:
        keys = func.json_each(Volunteer.skill_keys).table_valued("value")
    index = case(*((keys.c.value == name, i) for i, name in enumerate(wanted)), else_=-1)
    return (
        select(Volunteer.id.cast(db.BigInteger), cast(index, db.BigInteger))
        .select_from(Volunteer)
        .join(keys, true())
        .where(
            _who(prefixes, only, teams, windows),
            cast(Volunteer.skill_keys, db.Text) != "[]",
            keys.c.value.in_(list(wanted)),
        )
    )


# --- reading -------------------------------------------------------------------------------------------------

#: Binary COPY: an 11-byte signature, int32 flags, int32 header extension length; per row an int16 field count
#: and per field an int32 length and the value, big-endian; an int16 -1 at the end.
COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"


def _copy_dtype(fields: Sequence[tuple[str, str]]) -> np.dtype:
    parts: list[tuple[str, Any]] = [("count", ">i2")]
    for name, kind in fields:
        parts.append((f"{name}_length", ">i4"))
        parts.append((name, (np.dtype("<i8"), 7) if kind == "mask" else np.dtype(">i8")))
    return np.dtype(parts)


def read_columns(query: Select, fields: Sequence[tuple[str, str]], *, bulk: bool = True) -> dict[str, np.ndarray]:
    """Run `query` and answer its columns as numpy arrays: `fields` names them, kind "int" (int64) or "mask"
    (56 bytes → seven int64). Binary COPY on PostgreSQL, parsed as fixed-size records; a plain query elsewhere."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
        # A bulk read of fixed columns gains nothing from JIT compilation (a few hundred ms to compile) and its
        # hash join with the rollup fits in memory with a larger work_mem; both only for this transaction.
        if bulk:  # not for a re-offer's few given ids: two round trips saved
            connection.execute(text("SET LOCAL jit = off"))
            connection.execute(text("SET LOCAL work_mem = '64MB'"))
        raw = connection.connection.driver_connection
        assert raw is not None  # a live psycopg connection
        buffer = bytearray()
        statement = f"COPY ({compiled}) TO STDOUT (FORMAT BINARY)"
        with raw.cursor() as cursor, cursor.copy(statement, compiled.params) as copy:
            for chunk in copy:
                buffer += chunk
        if not buffer.startswith(COPY_SIGNATURE):
            raise RuntimeError("unexpected COPY header")
        extension = int.from_bytes(buffer[15:19], "big")
        start = 19 + extension
        dtype = _copy_dtype(fields)
        body = len(buffer) - start - 2
        if body % dtype.itemsize:
            raise RuntimeError("COPY rows are not fixed-width (a NULL or a wrong type)")
        records = np.frombuffer(buffer, dtype=dtype, count=body // dtype.itemsize, offset=start)
        return {name: records[name].astype(np.int64) for name, _kind in fields}
    rows = connection.execute(query).all()
    out: dict[str, np.ndarray] = {}
    for index, (name, kind) in enumerate(fields):
        if kind == "mask":
            joined = b"".join(bytes(row[index]) for row in rows)
            out[name] = np.frombuffer(joined, dtype="<i8").reshape(len(rows), 7).astype(np.int64)
        else:
            out[name] = np.fromiter((row[index] for row in rows), dtype=np.int64, count=len(rows))
    return out


def write_columns(table: str, columns: dict[str, np.ndarray]) -> None:
    """PostgreSQL only: rows of integer (int4) columns into `table` by one binary COPY built by numpy in one step
    (the layout read_columns parses: a fixed-size record per row), in the session's transaction."""
    names = list(columns)
    n = len(next(iter(columns.values()))) if columns else 0
    dtype = np.dtype([("count", ">i2"), *((f, t) for name in names for f, t in ((f"{name}_l", ">i4"), (name, ">i4")))])
    records = np.empty(n, dtype=dtype)
    records["count"] = len(names)
    for name in names:
        records[f"{name}_l"] = 4
        records[name] = columns[name]
    header = COPY_SIGNATURE + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
    raw: Any = db.session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(header + records.tobytes() + (-1).to_bytes(2, "big", signed=True))


ROLLUP_FIGURES = (("half_hours", "int"), ("offers", "int"), ("declines", "int"), ("no_shows", "int"))
VOLUNTEER_FIELDS = (("id", "int"), ("home", "int"), ("digits", "int"), ("mask", "mask"))
VOLUNTEER_TAIL = (("cap", "int"), ("teams", "int"))
ROLLUP_FIELDS = (("volunteer", "int"), *ROLLUP_FIGURES)
#: A round whose reach spans at least this many cities (a province's) reads the rollup table on its own: a
#: scan of it and a merge by id in numpy cost less than the join for most of the province's volunteers (the
#: planner's estimate of the reach is too rough to decide by: 5·10⁴ rows for 10⁶).
APART_CITIES = 3
PAIR_FIELDS = (("volunteer", "int"), ("value", "int"))


def load(
    prefixes: Sequence[str],
    *,
    wanted_skills: Sequence[str],
    activity_ids: Sequence[int],
    busy_from: datetime,
    busy_to: datetime,
    only: Iterable[int] | None = None,
    teams: int = 0,
    windows: Windows | None = None,
) -> Pool:
    """The volunteers under `prefixes` (all, when empty) who have not withdrawn or paused offers, with what
    the filters and costs read; `only` narrows them to given ids (a re-offer's kept candidates), `teams` to
    the members of one of the given area teams (bits; 0: everyone), `windows` (a re-offer's reach) to those
    available for one of the slots."""
    only_list = None if only is None else list(only)
    # Which way round the rollup comes: joined for given ids (a few key look-ups); otherwise apart, the whole
    # table scanned for a big pool, the pool's own rows by key for a reach (the planner, misjudging how many
    # of a city's volunteers are in one team, hashed the whole table for 14,000 of them: 100 ms of 190).
    apart = only_list is None
    whole_table = apart and (not prefixes or len({p[:4] for p in prefixes}) >= APART_CITIES)
    fields = (*VOLUNTEER_FIELDS, *(() if apart else ROLLUP_FIGURES), *VOLUNTEER_TAIL)
    columns = read_columns(
        volunteers_select(prefixes, only_list, teams, with_rollup=not apart, windows=windows),
        fields,
        bulk=only_list is None,
    )
    if columns["id"].size > 1 and not bool(np.all(columns["id"][1:] > columns["id"][:-1])):  # a scan is in id order
        by_id = np.argsort(columns["id"], kind="stable")
        columns = {name: values[by_id] for name, values in columns.items()}
    ids = columns["id"]
    n = ids.size
    if apart:
        rollups = read_columns(rollups_select(None if whole_table else ids.tolist()), ROLLUP_FIELDS)
        at = np.minimum(np.searchsorted(ids, rollups["volunteer"]), max(n - 1, 0))
        found = (ids[at] == rollups["volunteer"]) if n else np.zeros(at.size, dtype=bool)
        for name, _kind in ROLLUP_FIGURES:
            columns[name] = np.zeros(n, dtype=np.int64)
            columns[name][at[found]] = rollups[name][found]
    pool = Pool(
        ids=ids,
        home_padded=columns["home"],
        home_digits=columns["digits"],
        masks=columns["mask"].reshape(n, 7),
        half_hours_90d=columns["half_hours"],
        offers_90d=columns["offers"],
        declines=columns["declines"],
        no_shows=columns["no_shows"],
        monthly_cap=columns["cap"],
        teams=columns["teams"],
    )
    if not n:
        return pool
    # What follows is read for the pool's own volunteers: a small pool names them (key look-ups), a big one
    # (a round's) is found again by its conditions. Naming them keeps the planner from hashing a whole table
    # for a re-offer's few thousand (50–80 ms of one otherwise).
    named = only_list if only_list is not None else (ids.tolist() if n <= SMALL_POOL else None)
    if wanted_skills:
        held = read_columns(
            skills_select(prefixes, wanted_skills, named, teams, windows), PAIR_FIELDS, bulk=only_list is None
        )
        at = pool.positions(held["volunteer"])
        for index, name in enumerate(wanted_skills):
            has = np.zeros(n, dtype=bool)
            has[at[(at >= 0) & (held["value"] == index)]] = True
            pool.skills[name] = has
    _load_busy(pool, prefixes, named, busy_from, busy_to, teams)
    _load_offered(pool, activity_ids)
    return pool


def _epoch_seconds(column: Any) -> Any:
    """A UTC timestamp column as integer epoch seconds, computed by the database (no datetime per row here)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(func.extract("epoch", column)), db.BigInteger)  # truncated, as timestamp() is
    return cast(func.strftime("%s", column), db.BigInteger)  # SQLite keeps naive UTC text


BUSY_FIELDS = (("volunteer", "int"), ("start", "int"), ("end", "int"))


def _load_busy(
    pool: Pool, prefixes: Sequence[str], only: list[int] | None, busy_from: datetime, busy_to: datetime, teams: int
):
    """Confirmed sign-ups and open offers overlapping [busy_from, busy_to), of volunteers in the pool, read as
    integer columns (read_columns): a round's 10⁴ open offers were 2·10⁴ datetimes converted one by one."""
    confirmed = select(
        cast(Signup.volunteer_id, db.BigInteger), _epoch_seconds(Signup.starts_at), _epoch_seconds(Signup.ends_at)
    ).where(Signup.status == "confirmed", Signup.ends_at > busy_from, Signup.starts_at < busy_to)
    if only is not None:  # named: by their ids alone (ix_signups_volunteer_status_starts_at)
        confirmed = confirmed.where(among(Signup.volunteer_id, only))
    else:
        confirmed = confirmed.join(Volunteer, Volunteer.id == Signup.volunteer_id).where(_who(prefixes, None, teams))
    signups = read_columns(confirmed, BUSY_FIELDS, bulk=False)
    # Open offers are few (at most one per open seat): all of them, kept below by the pool's positions, cost
    # less than checking each one's volunteer against the reach (10⁴ key look-ups: 50 ms of a re-offer's 190).
    open_offers = read_columns(
        select(
            cast(Offer.volunteer_id, db.BigInteger),
            _epoch_seconds(Activity.starts_at),
            _epoch_seconds(Activity.ends_at),
        )
        .join(Activity, Activity.id == Offer.activity_id)
        .where(Offer.status == "offered"),
        BUSY_FIELDS,
        bulk=False,
    )
    volunteer = pool.positions(np.concatenate([signups["volunteer"], open_offers["volunteer"]]))
    start = np.concatenate([signups["start"], open_offers["start"]])
    end = np.concatenate([signups["end"], open_offers["end"]])
    is_offer = np.arange(volunteer.size) >= signups["volunteer"].size
    keep = volunteer >= 0
    order = np.argsort(volunteer[keep], kind="stable")
    pool.busy_volunteer = volunteer[keep][order]
    pool.busy_start = start[keep][order]
    pool.busy_end = end[keep][order]
    pool.busy_offer = is_offer[keep][order]


def _load_offered(pool: Pool, activity_ids: Sequence[int]) -> None:
    if not activity_ids:
        return
    rows = db.session.execute(
        select(Offer.activity_id, Offer.volunteer_id).where(among(Offer.activity_id, list(activity_ids)))
    ).all()
    pool.offered_activity = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    pool.offered_volunteer = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))


# --- what changed since a snapshot ---------------------------------------------------------------------------


def watermark() -> tuple[int, int]:
    """The newest offer and sign-up ids now: what a round's snapshot has seen."""
    return (
        int(db.session.scalar(select(func.coalesce(func.max(Offer.id), 0))) or 0),
        int(db.session.scalar(select(func.coalesce(func.max(Signup.id), 0))) or 0),
    )


def changed_since(mark: tuple[int, int], volunteer_ids: Sequence[int]) -> set[int]:
    """Of the given volunteers, those who since `mark` got an offer or a confirmed sign-up, paused offers or
    withdrew: only their pairs can have stopped being eligible (a freed commitment only widens what is)."""
    if not volunteer_ids:
        return set()
    ids = set(int(v) for v in volunteer_ids)
    offer_mark, signup_mark = mark
    newer = set(db.session.scalars(select(Offer.volunteer_id).where(Offer.id > offer_mark)))
    newer |= set(
        db.session.scalars(select(Signup.volunteer_id).where(Signup.id > signup_mark, Signup.status == "confirmed"))
    )
    gone = set()
    chosen = sorted(ids)
    for start in range(0, len(chosen), 5000):
        gone |= set(
            db.session.scalars(
                select(Volunteer.id).where(
                    Volunteer.id.in_(chosen[start : start + 5000]),
                    or_(Volunteer.offers_paused.is_(True), Volunteer.withdrawn_at.is_not(None)),
                )
            )
        )
    return (newer & ids) | gone


# --- the rollup ----------------------------------------------------------------------------------------------


def rollup_is_stale(now: datetime, max_age: timedelta) -> bool:
    newest = db.session.scalar(select(func.max(DispatchRollup.refreshed_at)))
    return newest is None or now - newest >= max_age


def refresh_rollup(now: datetime) -> int:
    """Recompute every volunteer's rollup in a few set-based statements. Answers the rows written."""
    since = now - timedelta(days=90)
    year = now - timedelta(days=365)
    seconds = (
        (func.extract("epoch", Signup.ends_at) - func.extract("epoch", Signup.starts_at))
        if _pg()
        else ((func.julianday(Signup.ends_at) - func.julianday(Signup.starts_at)) * 86400)
    )
    halves = cast(func.round(seconds / HALF_HOUR), Integer)
    zero = literal(0)
    served = select(
        Signup.volunteer_id.label("volunteer_id"),
        halves.label("h"),
        zero.label("o"),
        zero.label("d"),
        zero.label("n"),
    ).where(Signup.status == "confirmed", Signup.ends_at > since, Signup.ends_at <= now)
    offered = select(
        Offer.volunteer_id,
        zero,
        literal(1),
        case((Offer.status == "declined", 1), else_=0),
        zero,
    ).where(Offer.created_at >= since)
    no_shows = select(Signup.volunteer_id, zero, zero, zero, literal(1)).where(
        Signup.status == "no_show", Signup.ends_at > year
    )
    union = served.union_all(offered, no_shows).subquery()
    grouped = select(
        union.c.volunteer_id,
        func.sum(union.c.h),
        func.sum(union.c.o),
        func.sum(union.c.d),
        func.sum(union.c.n),
        literal(now, UTCDateTime()),
    ).group_by(union.c.volunteer_id)
    db.session.execute(delete(DispatchRollup))
    result = db.session.execute(
        insert(DispatchRollup).from_select(
            ["volunteer_id", "half_hours_90d", "offers_90d", "declines_90d", "no_shows", "refreshed_at"], grouped
        )
    )
    return rowcount(result)


def bump_offers(volunteer_ids: Sequence[int], now: datetime) -> None:
    """Offers just written count in the fairness term at once, not only after the next refresh: one upsert."""
    if not volunteer_ids:
        return
    counts = Counter(int(v) for v in volunteer_ids)
    if _pg():
        ids, numbers = zip(*sorted(counts.items()), strict=True)
        db.session.execute(BUMP_OFFERS, {"ids": list(ids), "counts": list(numbers), "now": now})
        return
    dialect = sqlite
    statement = dialect.insert(DispatchRollup)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["volunteer_id"],
            set_={"offers_90d": DispatchRollup.offers_90d + statement.excluded.offers_90d},
        ),
        [
            {
                "volunteer_id": v,
                "half_hours_90d": 0,
                "offers_90d": n,
                "declines_90d": 0,
                "no_shows": 0,
                "refreshed_at": now,
            }
            for v, n in sorted(counts.items())
        ],
    )


#: bump_offers on PostgreSQL: one statement from parallel arrays (a round's 10⁴ volunteers), not an executemany.
BUMP_OFFERS = text(
    """
    INSERT INTO dispatch_rollups (volunteer_id, half_hours_90d, offers_90d, declines_90d, no_shows, refreshed_at)
    SELECT v, 0, n, 0, 0, :now FROM unnest(CAST(:ids AS integer[]), CAST(:counts AS integer[])) AS x(v, n)
    ON CONFLICT (volunteer_id) DO UPDATE SET offers_90d = dispatch_rollups.offers_90d + excluded.offers_90d
    """
).bindparams(bindparam("now", type_=UTCDateTime()))


def _pg() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


__all__ = ["AREA_INDEX", "Pool", "bump_offers", "load", "refresh_rollup", "rollup_is_stale"]
