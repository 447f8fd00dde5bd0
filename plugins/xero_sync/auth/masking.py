"""Register tokens with Airflow's secret masker, so a token that reaches a log shows as ``***``.

This is a second line of defence: the package never logs a token on purpose. Outside Airflow
(the authorize command run from a laptop without Airflow installed) masking degrades to nothing.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable

from xero_sync.auth.tokens import TokenSet

log = logging.getLogger(__name__)


@functools.cache
def _load_masker() -> Callable[[str], None] | None:
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:
        log.debug("airflow.sdk.log.mask_secret is not importable; tokens are not masked")
        return None
    return mask_secret


_masked: set[str] = set()
_lock = threading.Lock()


def mask_tokens(tokens: TokenSet | None) -> None:
    """Mask the access and refresh token of a set (each token once per process)."""
    mask = _load_masker()
    if tokens is None or mask is None:
        return
    for secret in (tokens.access_token, tokens.refresh_token):
        if not secret:
            continue
        with _lock:
            if secret in _masked:
                continue
            _masked.add(secret)
        mask(secret)
