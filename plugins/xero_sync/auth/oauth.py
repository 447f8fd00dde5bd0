"""OAuth for the hook: a valid access token for whoever asks, one refresh per expiry overall.

The token endpoint itself (code exchange, refresh, client credentials, error classification)
is :mod:`xero_sync.auth.token_endpoint`; its names are re-exported here.

The protocol (design decision 1): use the token while it has more than ``margin`` left; else
take the app's lock in the token store, re-read, and if another worker refreshed meanwhile use
its token; otherwise refresh, save the new pair in the same transaction, commit, and only then
use it. A lost token response is retried with the same refresh token (Xero's 30-minute grace)
while the lock is still held, so no other worker can spend the token in between.

Every token, refreshed or not, is judged when it is ready to hand out. A refresh whose answer
arrives with less than the margin left (a starved process, a slow token endpoint) has saved
its pair already; the lock is taken once more for a fresh one, and never a third time.

``access_token()`` returns a bearer string for the hook's own requests. It must never be
returned from a task or pushed to XCom; every token is registered with Airflow's secret masker.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from xero_sync.auth.masking import mask_tokens, redact
from xero_sync.auth.store_base import LockedTokens, TokenStore
from xero_sync.auth.token_endpoint import (
    DEFAULT_CONN_ID,
    OAuthClient,
    TokenEndpointUnavailable,
    authorize_command,
)
from xero_sync.auth.tokens import TokenSet, utcnow
from xero_sync.errors import ReauthorizationRequired, XeroSyncError, XeroUnavailable
from xero_sync.settings import XeroSettings

__all__ = ["DEFAULT_CONN_ID", "OAuthClient", "TokenEndpointUnavailable", "TokenManager",
           "authorize_command"]

log = logging.getLogger(__name__)

DEFAULT_MARGIN = timedelta(minutes=5)
# Five attempts of at most 5 + 15 s (token_endpoint.DEFAULT_TIMEOUT) plus 15 s of pauses stay
# under the store's 120-second lock timeout, so waiting workers outlast a struggling holder.
DEFAULT_RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0)


class TokenManager:
    """Hands out access tokens for one Xero app (keyed by its client id in the store)."""

    def __init__(self, settings: XeroSettings, store: TokenStore, *,
                 conn_id: str = DEFAULT_CONN_ID, oauth: OAuthClient | None = None,
                 margin: timedelta = DEFAULT_MARGIN,
                 clock: Callable[[], datetime] = utcnow,
                 retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self.store = store
        self.conn_id = conn_id
        self.oauth = oauth or OAuthClient(settings, conn_id=conn_id, clock=clock)
        self.margin = margin
        self.clock = clock
        self.retry_delays = retry_delays
        self.sleep = sleep
        self.app_key = settings.client_id
        self._cached: TokenSet | None = None
        self._table_ready = False
        self._lock = threading.Lock()  # one refresh in flight per process, too

    def access_token(self) -> str:
        """A bearer token with more than ``margin`` left, refreshing it if need be."""
        with self._lock:
            return self._current().access_token

    def force_refresh(self, rejected_access_token: str) -> str:
        """After Xero answered 401 TokenExpired: a newer token, refreshing only if none exists.

        A token another worker (or this process) saved since is used only if it is fresh: one
        about to expire would earn the retry a second 401."""
        with self._lock:
            cached = self._cached
            if (cached is not None and cached.access_token != rejected_access_token
                    and cached.fresh(self.clock(), self.margin)):
                return cached.access_token  # this process already moved on
            self._ensure_table()
            return self._through_lock(rejected_access_token).access_token

    # -- the protocol -----------------------------------------------------------------------

    def _current(self) -> TokenSet:
        """The token to hand out, judged fresh only once it is ready to hand out.

        Registering a token with Airflow's secret masker recompiles the masker's pattern of
        every secret the process holds, so it slows as a process meets more tokens, and a
        starved process may spend seconds on it: a token judged fresh before that could reach
        Xero expired. So a cached, stored or re-read token is masked first and judged after.
        """
        if self._cached is not None and self._cached.fresh(self.clock(), self.margin):
            return self._cached
        self._ensure_table()
        stored = self.store.load(self.app_key)
        if stored is not None and self._use(stored).fresh(self.clock(), self.margin):
            return stored
        return self._through_lock(None)

    def _through_lock(self, rejected: str | None) -> TokenSet:
        """Under the app's lock: a fresh token another worker saved, else a refresh.

        A refreshed token is judged like any other, when it is ready to hand out. The lifetime
        counts from before the request was sent, so a refresh that takes long (a starved
        process, a slow token endpoint, a long wait for the lock's commit) can hand back a
        token that is stale or already expired on arrival; sending it is a certain 401. Such
        a token was saved, so nothing is lost: the lock is taken once more and the token
        replaced (by another worker's if one is fresh). Never more than once: the second
        token is handed out whatever it has left, and a caller's 401 refreshes it.
        """
        for attempt in (1, 2):
            asked = None
            with self.store.locked(self.app_key) as held:
                current = held.tokens
                if (current is not None and current.access_token != rejected
                        and self._use(current).fresh(self.clock(), self.margin)):
                    log.debug("app %s: another worker refreshed while this one waited",
                              self.app_key)
                    tokens = current
                else:
                    asked = self.clock()
                    tokens = self._renew(held)
            # The new pair is committed before anyone uses it; judged once masked.
            left = self._use(tokens).seconds_left(self.clock())
            if left > self.margin.total_seconds():
                return tokens
            if asked is not None and tokens.expires_at - asked <= self.margin:
                log.warning("app %s: Xero issued a token that lives less than the refresh "
                            "margin (%s); lower the margin or every call will refresh",
                            self.app_key, self.margin)
                return tokens
            log.warning("app %s: the access token had %.1f s left when it was ready to use, "
                        "less than the refresh margin (%s): the refresh or the wait for it "
                        "took too long (a starved process or a slow token endpoint); %s",
                        self.app_key, left, self.margin,
                        "refreshing once more" if attempt == 1 else "using it")
            rejected = tokens.access_token
        return tokens

    def _renew(self, held: LockedTokens) -> TokenSet:
        """Obtain a new token inside the lock and write it into the lock's transaction."""
        try:
            tokens, refreshed = self._obtain(held.tokens)
        except XeroSyncError as error:
            held.record_error(_one_line(error))
            raise
        held.save(tokens, refreshed=refreshed)
        log.info("refreshed access token for app %s (expires %s)", self.app_key,
                 tokens.expires_at.isoformat(timespec="seconds"))
        return tokens

    def _obtain(self, current: TokenSet | None) -> tuple[TokenSet, bool]:
        if self.settings.auth_mode == "client_credentials":
            return self._retrying(self.oauth.client_credentials), current is not None
        if current is None or current.refresh_token is None:
            raise ReauthorizationRequired(
                f"no Xero tokens are stored for app {self.app_key} in the token store "
                f"{self.store.description}.",
                fix=f"Connect the app first: run {authorize_command(self.conn_id)}")
        refresh_token = current.refresh_token
        return self._retrying(lambda: self.oauth.refresh(refresh_token)), True

    def _retrying(self, call: Callable[[], TokenSet]) -> TokenSet:
        """Retry a lost answer with the same grant; Xero honours a reused refresh token 30 min."""
        attempts = len(self.retry_delays) + 1
        for attempt, delay in enumerate((*self.retry_delays, None), start=1):
            try:
                return call()
            except TokenEndpointUnavailable as error:
                if delay is None:
                    raise XeroUnavailable(
                        f"{error}; gave up after {attempts} attempts. The stored refresh token "
                        "stays usable for 30 minutes after a lost answer: retry the task"
                    ) from None
                log.warning("app %s: %s (attempt %d of %d); retrying the same grant in %.1f s",
                            self.app_key, redact(str(error)), attempt, attempts, delay)
                self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _use(self, tokens: TokenSet) -> TokenSet:
        mask_tokens(tokens)
        self._cached = tokens
        return tokens

    def _ensure_table(self) -> None:
        if not self._table_ready:
            self.store.ensure_table()
            self._table_ready = True


def _one_line(error: XeroSyncError) -> str:
    """An error as ``status`` shows it in its list of problems: what happened, then what to do
    (the task log has them the other way round, on two lines: ``progress.failure``)."""
    detail = error.detail.strip()
    return f"{detail}{'' if detail.endswith('.') else '.'} {error.fix}"
