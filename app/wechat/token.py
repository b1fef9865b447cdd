"""The one owner of the access token.

WeChat's token lives 7200 s, each fetch invalidates the previous one (after five minutes) and
fetches count against a daily quota, so no caller fetches its own. Two things fetch, both here,
both under one lock shared by every process (a Redis lock, or a locked row in the database without
Redis: app/wechat/storage.py) and both re-reading the shared storage once they hold it:

- `refresh_if_needed(margin)`: the bot runs it on a schedule; it fetches when the stored token is
  missing or expires within `margin` seconds, so the old one still works while everyone switches.
- `refresh_after_invalid(seen)`: a call was refused with 40001/42001 (or 41001: no token) while
  using `seen`, or there was no token at all (`seen` None); it fetches only if `seen` is still the
  stored token. N callers that saw the same bad token cause one fetch; the rest find the new token.

The token and its expiry are kept in wechatpy's session storage (Redis, or the database), where
the client of every process reads them.
"""

import logging
import time

from flask import current_app

from app.wechat.storage import Lock, process_lock

log = logging.getLogger(__name__)

#: Refresh this many seconds before expiry (WeChat keeps the old token valid five minutes after a fetch).
DEFAULT_MARGIN_SECONDS = 600
#: Longest a fetch may hold the lock; the client's own timeout is far shorter.
LOCK_SECONDS = 30
#: Longest a refresher waits for another's fetch.
LOCK_WAIT_SECONDS = LOCK_SECONDS + 5


class TokenKeeper:
    def __init__(self, client, lock: Lock | None = None):
        self.client = client
        self._lock = lock or process_lock()

    def current(self) -> str | None:
        return self.client.access_token

    def expires_at(self) -> float | None:
        return self.client.access_token_expires_at

    def refresh_if_needed(self, margin: float = DEFAULT_MARGIN_SECONDS) -> bool:
        """Fetch a new token if the stored one is missing or near its expiry; True if it fetched."""
        if not self._due(margin):
            return False
        with self._refresh_lock():
            if not self._due(margin):
                return False
            self._fetch("ahead of expiry")
            return True

    def refresh_after_invalid(self, seen: str | None) -> bool:
        """WeChat refused `seen` (or there was none): fetch once, unless someone already replaced
        it; True if it fetched."""
        if self._replaced(seen):
            return False
        with self._refresh_lock():
            if self._replaced(seen):
                return False
            self._fetch("refused by WeChat" if seen else "none stored yet")
            return True

    def _due(self, margin: float) -> bool:
        if self.current() is None:
            return True
        expires_at = self.expires_at()
        return expires_at is not None and expires_at - time.time() <= margin

    def _replaced(self, seen: str | None) -> bool:
        stored = self.current()
        return stored is not None and stored != seen

    def _fetch(self, why: str) -> None:
        log.info("fetching a new WeChat access token (%s)", why)
        self.client.fetch_access_token()

    def _refresh_lock(self):
        return self._lock(f"wechat:{self.client.appid}:token-refresh")


def keeper() -> TokenKeeper | None:
    """The app's token keeper; None in sandbox mode, which needs no token."""
    return getattr(current_app.extensions["wechat"], "tokens", None)


def refresh_if_needed(margin: float = DEFAULT_MARGIN_SECONDS) -> bool:
    """For the bot's schedule: keep the shared token fresh. True if a token was fetched."""
    tokens = keeper()
    return tokens.refresh_if_needed(margin) if tokens is not None else False


def refresh_after_invalid(seen: str | None) -> bool:
    tokens = keeper()
    return tokens.refresh_after_invalid(seen) if tokens is not None else False
