"""Rate limits shared by every process: a token bucket in Redis, or in this process without Redis.

A caller reserves one token and is told how long to wait for it; tokens refill at `rate` per
second up to `burst`. Reserving (the bucket may go below zero) rather than polling keeps callers
in arrival order and costs one Redis round trip per token. Time is the real clock (Redis's own
TIME across processes), never the service clock that tests and simulations move.
"""

import math
import threading
import time

from redis import Redis

# KEYS[1] the bucket; ARGV rate per second, burst. Returns the wait in seconds, as text.
_RESERVE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate) - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(1000 * (burst - tokens) / rate) + 1000)
if tokens >= 0 then return '0' end
return tostring(-tokens / rate)
"""


def default_burst(rate: float) -> int:
    """A tenth of a second's worth: enough slack for scheduling jitter, too little to break the cap."""
    return max(1, math.ceil(rate / 10))


class TokenBucket:
    def __init__(self, name: str, rate: float, burst: int | None = None, redis: Redis | None = None):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.name = name
        self.rate = float(rate)
        self.burst = burst or default_burst(rate)
        self._redis = redis
        self._script = redis.register_script(_RESERVE) if redis is not None else None
        self._lock = threading.Lock()
        self._tokens = float(self.burst)
        self._at = time.monotonic()

    def reserve(self) -> float:
        """Take one token; the seconds to wait before using it (0 when one was in the bucket)."""
        if self._script is not None:
            return float(self._script(keys=[f"throttle:{self.name}"], args=[self.rate, self.burst]))
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate) - 1
            self._at = now
            return max(0.0, -self._tokens / self.rate)

    def acquire(self) -> float:
        """Wait for one token; returns how long it waited."""
        wait = self.reserve()
        if wait > 0:
            time.sleep(wait)
        return wait


_local: dict[str, TokenBucket] = {}
_local_lock = threading.Lock()


def bucket(name: str, rate: float, burst: int | None = None, redis: Redis | None = None) -> TokenBucket:
    """The bucket called `name`: in Redis when given (shared by every process), else one per process
    (shared by its threads). Changing the rate or burst starts the local bucket afresh."""
    if redis is not None:
        return TokenBucket(name, rate, burst, redis)
    burst = burst or default_burst(rate)
    with _local_lock:
        found = _local.get(name)
        if found is None or (found.rate, found.burst) != (float(rate), burst):
            found = _local[name] = TokenBucket(name, rate, burst)
        return found
