"""The caller kept between requests, so an authenticated request usually costs no query.

With Redis (REDIS_URL) a principal read from the database is kept twice, keyed by its token's
digest: in this process (an LRU of AUTH_PRINCIPAL_CACHE_SIZE entries) and in Redis (shared by every
worker and machine, gone when the token expires). Every request validates what it finds in one Redis
round trip (a script) against two values:

- `auth:epoch`, a random value: replaced to forget every kept principal at once (a change whose
  users are unknown), and missing when Redis lost its data (nothing kept before is trusted then);
- `auth:user:<id>`, the revocation stamp: the value of the counter `auth:clock` when that user's
  tokens or roles last changed. An entry records the counter as it was *before* its database read,
  so it is valid only while no change of its user came after: a change committed while it was read
  stamps a larger value and the entry is refused.

A change is stamped twice: before its transaction commits (if Redis cannot be reached then, the
commit is refused: `PrincipalsUnconfirmed`, answered 503, since a change nobody else would hear
of must not be made) and again after, so an entry read from the uncommitted state is refused too.
What counts as a change is derived from the role sources' own SQL (tables, columns, and the column
each correlates with the token's user id), so a new role source needs nothing more; ORM inserts,
updates and deletes are seen per row, and an ORM-enabled bulk INSERT/UPDATE/DELETE on one of those
tables forgets everything unless it is marked `principals_unaffected=True`. A Core statement run on
a raw connection is not seen: call `changed()` for it.

Expiry is checked against the service clock on every hit. Without Redis nothing is kept (two
processes on one machine would have nothing cheaper than the query itself to agree on), and if
Redis fails mid-request the database answers (never a possibly revoked principal).
"""

import json
import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app, has_app_context
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import Column, ColumnElement, Select, Table, event
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, object_session
from sqlalchemy.orm.attributes import PASSIVE_NO_INITIALIZE, get_history
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import BinaryExpression

from app.core import clock
from app.core.access import Principal
from app.core.errors import ServiceUnavailable

log = logging.getLogger(__name__)

EPOCH = "auth:epoch"
CLOCK = "auth:clock"
USER = "auth:user:"
ENTRY = "auth:principal:"

# KEYS: the entry, the epoch, the clock. ARGV: the user id if the caller has a local entry ("" if
# not), a fresh epoch to set if there is none. Answers {epoch, clock, shared entry or false, the
# user's stamp or false}. (The user's key is derived, not passed: fine on one Redis, not a cluster.)
_LOOKUP = """
local epoch = redis.call('GET', KEYS[2])
if not epoch then
  redis.call('SET', KEYS[2], ARGV[2], 'NX')
  epoch = redis.call('GET', KEYS[2])
end
local at = redis.call('GET', KEYS[3]) or '0'
local uid = ARGV[1]
local entry = false
if uid == '' then
  entry = redis.call('GET', KEYS[1])
  if entry then uid = string.match(entry, '^(%d+)|') or '' end
end
local stamp = false
if uid ~= '' then stamp = redis.call('GET', KEYS[4] .. uid) end
return {epoch, at, entry, stamp}
"""

# KEYS: the clock, then each changed user's key. ARGV: how long a stamp must outlive any token.
_STAMP = """
local at = redis.call('INCR', KEYS[1])
for i = 2, #KEYS do redis.call('SET', KEYS[i], at, 'EX', ARGV[1]) end
return at
"""


class PrincipalsUnconfirmed(ServiceUnavailable):
    """A change to tokens or roles could not be announced to the other processes: not committed."""

    def __init__(self) -> None:
        super().__init__("服务暂时不可用，请稍后重试", code="auth_unavailable")


@dataclass(frozen=True)
class Entry:
    principal: Principal
    expires_at: datetime
    epoch: bytes
    loaded_at: int

    def valid(self, epoch: bytes, stamp: bytes | None) -> bool:
        return self.epoch == epoch and int(stamp or 0) <= self.loaded_at

    def encode(self) -> str:
        p = self.principal
        fields = [p.user_id, self.loaded_at, self.epoch.decode(), self.expires_at.timestamp()]
        body = json.dumps([sorted(p.roles), p.staff_region, p.secretary_village, p.volunteer_id])
        return "|".join(str(part) for part in fields) + "|" + body

    @classmethod
    def decode(cls, text: bytes) -> "Entry":
        user_id, loaded_at, epoch, expires, body = text.decode().split("|", 4)
        roles, staff_region, secretary_village, volunteer_id = json.loads(body)
        principal = Principal(
            user_id=int(user_id),
            roles=frozenset(roles),
            staff_region=staff_region,
            secretary_village=secretary_village,
            volunteer_id=volunteer_id,
        )
        return cls(principal, datetime.fromtimestamp(float(expires), UTC), epoch.encode(), int(loaded_at))


@dataclass
class Lookup:
    """What one round trip found: a valid entry, or the stamp to keep a fresh database read under."""

    entry: Entry | None
    epoch: bytes
    loaded_at: int


@dataclass
class PrincipalCache:
    size: int
    redis: Redis
    stamp_seconds: int
    _entries: "OrderedDict[str, Entry]" = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._lookup = self.redis.register_script(_LOOKUP)

    def lookup(self, digest: str) -> Lookup | None:
        """A kept principal still valid, or the stamp for a new one; None when Redis fails."""
        with self._lock:
            local = self._entries.get(digest)
            if local is not None:
                self._entries.move_to_end(digest)
        try:
            epoch, at, shared, stamp = self._lookup(
                keys=[ENTRY + digest, EPOCH, CLOCK, USER],
                args=[str(local.principal.user_id) if local else "", secrets.token_hex(8)],
            )
        except RedisError:
            _redis_failed()
            self.clear()
            return None
        _redis_answered()
        candidate = local or (Entry.decode(shared) if shared else None)
        if candidate is not None and candidate.valid(epoch, stamp):
            if local is None:
                self._keep(digest, candidate)
            return Lookup(candidate, epoch, int(at))
        if local is not None:
            self.forget(digest)
        return Lookup(None, epoch, int(at))

    def store(self, digest: str, principal: Principal, expires_at: datetime, seen: Lookup) -> None:
        entry = Entry(principal, expires_at, seen.epoch, seen.loaded_at)
        self._keep(digest, entry)
        seconds = int((expires_at - clock.now()).total_seconds())
        if seconds <= 0:
            return
        try:
            self.redis.set(ENTRY + digest, entry.encode(), ex=min(seconds, self.stamp_seconds))
        except RedisError:
            _redis_failed()

    def _keep(self, digest: str, entry: Entry) -> None:
        with self._lock:
            self._entries[digest] = entry
            self._entries.move_to_end(digest)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def forget(self, digest: str) -> None:
        with self._lock:
            self._entries.pop(digest, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def init_app(app: Flask) -> None:
    redis: Redis | None = app.extensions.get("redis")
    size = int(app.config.get("AUTH_PRINCIPAL_CACHE_SIZE", 0))
    longest = max(app.config["TOKEN_TTL_MINIPROGRAM"], app.config["TOKEN_TTL_STAFF"]) + timedelta(days=1)
    app.extensions["auth.principals"] = (
        PrincipalCache(size, redis, int(longest.total_seconds())) if redis is not None and size > 0 else None
    )
    _listen()


def cache() -> PrincipalCache | None:
    return current_app.extensions.get("auth.principals")


# --- Redis failures: logged once per outage; a process that could not stamp a change owes a reset ---

_state = {"failing": False, "owed": False}


def _redis_failed() -> None:
    if not _state["failing"]:
        log.warning("Redis unreachable: callers are read from the database until it answers again")
    _state["failing"] = True


def _redis_answered() -> None:
    if _state["failing"]:
        log.warning("Redis answers again: kept callers are validated there again")
        _state["failing"] = False
    if _state["owed"] and has_app_context():
        try:
            _forget_everything(current_app.extensions["redis"])
            _state["owed"] = False
        except RedisError:
            pass


# --- what counts as a change, derived from the statement that reads the caller -----------------------


@dataclass(frozen=True)
class Watched:
    #: table -> names of the columns the statement reads from it
    columns: dict[Table, frozenset[str]]
    #: table -> its column compared with the token's user id (None: changes there forget everything)
    user_key: dict[Table, Column | None]
    #: where new rows need no stamp: the token table (a new token was never kept) and the users table
    #: (a new user has no token yet)
    fresh: frozenset[Table]


_watched: dict[int, Watched] = {}


def watched(statement: Select, token_user_id: ColumnElement) -> Watched:
    known = _watched.get(id(statement))
    if known is not None:
        return known
    columns: dict[Table, set[str]] = {}
    user_key: dict[Table, Column | None] = {}
    assert isinstance(token_user_id, Column) and isinstance(token_user_id.table, Table)
    token_table = token_user_id.table

    def plain(element: object) -> Column | None:
        """The table's own column behind an (ORM-annotated) column element."""
        if isinstance(element, Column) and isinstance(element.table, Table):
            return element.table.c[element.name]
        return None

    for element in visitors.iterate(statement):
        column = plain(element)
        if column is not None:
            columns.setdefault(column.table, set()).add(column.name)
        if isinstance(element, BinaryExpression) and element.operator is operators.eq:
            sides = [plain(element.left), plain(element.right)]
            if any(side is token_user_id for side in sides):
                for side in sides:
                    if side is not None and side is not token_user_id:
                        user_key[side.table] = side
    user_key[token_table] = token_user_id
    fresh = {token_table, *(fk.column.table for fk in token_user_id.foreign_keys if isinstance(fk.column.table, Table))}
    result = Watched(
        {table: frozenset(names) for table, names in columns.items()},
        {table: user_key.get(table) for table in columns},
        frozenset(fresh),
    )
    _watched[id(statement)] = result
    return result


def _current_watch() -> Watched | None:
    if not has_app_context() or current_app.extensions.get("redis") is None:
        return None
    from app.core import auth  # auth builds the statement; it imports this module

    return auth.watched_tables()


def changed(session: Session, user_ids: Iterable[int] | None) -> None:
    """Record that these users' tokens or roles changed in this transaction (None: unknown users)."""
    pending = session.info.setdefault("auth.changed", set())
    if user_ids is None:
        session.info["auth.changed_all"] = True
    else:
        pending.update(user_ids)


def _row_changed(mapper: Mapper, target: object, kind: str) -> None:
    watch = _current_watch()
    table = mapper.local_table
    if watch is None or table not in watch.columns:
        return
    session = object_session(target)
    if session is None:
        return
    if table in watch.fresh:
        # A new token or user was never seen by another transaction, so never kept: neither its
        # insert nor a change to it before this transaction ends needs a stamp.
        born = session.info.setdefault("auth.born", set())
        identity = (table.name, tuple(mapper.primary_key_from_instance(target)))
        if kind == "insert":
            born.add(identity)
            return
        if identity in born:
            return
    if kind == "update":
        names = watch.columns[table]
        props = [mapper.get_property_by_column(column) for column in table.columns if column.name in names]
        if not any(get_history(target, prop.key, passive=PASSIVE_NO_INITIALIZE).has_changes() for prop in props):
            return
    key = watch.user_key.get(table)
    if key is None:
        changed(session, None)
        return
    prop = mapper.get_property_by_column(key)
    history = get_history(target, prop.key, passive=PASSIVE_NO_INITIALIZE)
    values = {*history.sum(), target.__dict__.get(prop.key)}
    changed(session, (value for value in values if isinstance(value, int)))


def _bulk(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    if state.execution_options.get("principals_unaffected"):
        return
    watch = _current_watch()
    table = getattr(state.statement, "table", None)
    if watch is not None and table in watch.columns and not (state.is_insert and table in watch.fresh):
        changed(state.session, None)


def _pending(session: Session) -> tuple[set[int], bool]:
    return session.info.get("auth.changed", set()), bool(session.info.get("auth.changed_all"))


def _stamp(session: Session) -> None:
    users, everything = _pending(session)
    if not (users or everything) or not has_app_context():
        return
    redis: Redis | None = current_app.extensions.get("redis")
    if redis is None:
        return
    if everything or _state["owed"]:
        _forget_everything(redis)
        _state["owed"] = False
    if users:
        longest = max(current_app.config["TOKEN_TTL_MINIPROGRAM"], current_app.config["TOKEN_TTL_STAFF"])
        script = redis.register_script(_STAMP)
        script(
            keys=[CLOCK, *(USER + str(user) for user in sorted(users))],
            args=[int((longest + timedelta(days=1)).total_seconds())],
        )
    local = cache()
    if local is not None and everything:
        local.clear()


def _forget_everything(redis: Redis) -> None:
    redis.set(EPOCH, secrets.token_hex(8))


def _before_commit(session: Session) -> None:
    if not has_app_context() or current_app.extensions.get("redis") is None:
        return
    session.flush()  # commit flushes after this event: what it writes must be known here
    try:
        _stamp(session)
    except RedisError:
        _redis_failed()
        raise PrincipalsUnconfirmed() from None


def _after_commit(session: Session) -> None:
    try:
        _stamp(session)
    except RedisError:
        # Redis went away between the two stamps: forget every kept principal once it answers again.
        _redis_failed()
        _state["owed"] = True
        local = cache()
        if local is not None:
            local.clear()


def _discard(session: Session) -> None:
    session.info.pop("auth.born", None)
    session.info.pop("auth.changed", None)
    session.info.pop("auth.changed_all", None)


def _transaction_end(session: Session, transaction: object) -> None:
    # after_commit also follows a savepoint's release: what is pending is kept (and stamped again)
    # until the outermost transaction ends.
    if getattr(transaction, "parent", None) is None:
        _discard(session)


_listening = False


def _listen() -> None:
    global _listening
    if _listening:
        return
    _listening = True
    for kind in ("insert", "update", "delete"):
        event.listen(
            Mapper,  # every mapper, whenever it was mapped
            f"after_{kind}",
            lambda mapper, _connection, target, kind=kind: _row_changed(mapper, target, kind),
        )
    event.listen(Session, "do_orm_execute", _bulk)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_transaction_end", _transaction_end)
