"""Rotation-safe Xero tokens: an encrypted store in the warehouse, refreshed under a lock.

``TokenManager(settings, token_store(target)).access_token()`` is all a hook needs; the
``authorize`` command (``python -m xero_sync.auth authorize``) connects an app once.
"""

from __future__ import annotations

from xero_sync.auth.crypto import KeyMismatchError, TokenCipher
from xero_sync.auth.oauth import (
    OAuthClient,
    TokenEndpointUnavailable,
    TokenManager,
    authorize_command,
)
from xero_sync.auth.token_store import (
    LockedTokens,
    MssqlTokenStore,
    PostgresTokenStore,
    SqliteTokenStore,
    TokenStore,
    token_store,
)
from xero_sync.auth.tokens import TokenSet, TokenStatus

__all__ = [
    "KeyMismatchError", "LockedTokens", "MssqlTokenStore", "OAuthClient", "PostgresTokenStore",
    "SqliteTokenStore", "TokenCipher", "TokenEndpointUnavailable", "TokenManager", "TokenSet",
    "TokenStatus", "TokenStore", "authorize_command", "token_store",
]
