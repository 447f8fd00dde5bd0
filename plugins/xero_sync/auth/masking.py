"""Keep secrets out of everything the package stores, prints or logs.

Two entry points:

- :func:`mask_secrets` registers a secret as it comes into use (the client secret, access and
  refresh tokens, authorization codes, Fernet keys, database passwords). Airflow's secret masker
  then shows it as ``***`` in task logs, and :func:`redact` knows it.
- :func:`redact` is the one function applied wherever an error is stored (``_oauth_tokens.
  last_error``, ``_sync_runs.error``), printed (the command line) or built from a response body.
  It replaces every registered secret and anything shaped like one: JWTs, long base64 or hex
  runs, the values of ``refresh_token=``/``"code":``/``password=``-style fields and of
  ``Authorization`` headers. A token-endpoint error page that echoes the request, say, may carry
  a refresh token this process never registered, so the shapes matter as much as the list.

The package never logs a token on purpose; this is the net under that rule. Outside Airflow
(the authorize command on a laptop without Airflow) the log masking degrades to nothing, and
:func:`redact` still works.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Callable

from xero_sync.auth.tokens import TokenSet

log = logging.getLogger(__name__)

MASK = "***"
# Shorter values are not registered: blanking every "abcd" in a message hides more than it
# protects (Airflow's own masker skips values under 5 characters for the same reason).
MIN_SECRET_LENGTH = 5
_SENSITIVE_NAMES = (r"access_token|refresh_token|id_token|client_secret|code|code_verifier"
                    r"|password|passwd|token|secret|fernet_key")
_SHAPES = (
    # "name": "value" (JSON bodies)
    (re.compile(rf'(?i)("(?:{_SENSITIVE_NAMES})"\s*:\s*")[^"]*(")'), rf"\g<1>{MASK}\g<2>"),
    # name=value (form bodies, query strings, URLs)
    (re.compile(rf"(?i)(?<![A-Za-z0-9_])((?:{_SENSITIVE_NAMES})=)[^&\s\"'<>]+"),
     rf"\g<1>{MASK}"),
    # Authorization: Bearer … / Basic … (a header, as an echo page or a repr shows it)
    (re.compile(r"(?i)(\bAuthorization[\"']?\s*[:=]\s*[\"']?(?:Bearer\s+|Basic\s+)?)"
                r"[^\s\"',}<>]+"), rf"\g<1>{MASK}"),  # an HTML echo's tags stay
    (re.compile(r"(?i)(\bBearer\s+)[A-Za-z0-9._~+/=-]{16,}"), rf"\g<1>{MASK}"),
    # JWTs (Xero's access tokens), even when shorter than the runs below
    (re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*)?"), MASK),
)
# 32+ characters of base64url or hex with a digit in it: refresh tokens, codes, keys. GUIDs
# (tenant and record ids, which errors must keep) are spared.
_RUN = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,}={0,2}")
_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")

_known: set[str] = set()
_lock = threading.Lock()


@functools.cache
def _load_masker() -> Callable[[str], None] | None:
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:
        log.debug("airflow.sdk.log.mask_secret is not importable; secrets are not masked in logs")
        return None
    return mask_secret


def mask_secrets(*values: str | None) -> None:
    """Register secrets (each once per process) with Airflow's masker and with :func:`redact`."""
    mask = _load_masker()
    for value in values:
        if not value or len(value) < MIN_SECRET_LENGTH:
            continue
        with _lock:
            if value in _known:
                continue
            _known.add(value)
        if mask is not None:
            mask(value)


def mask_tokens(tokens: TokenSet | None) -> None:
    """Register the access and refresh token of a set."""
    if tokens is not None:
        mask_secrets(tokens.access_token, tokens.refresh_token)


def redact(text: str) -> str:
    """``text`` with every token-shaped value and every registered secret replaced by ``***``.

    The shapes go first: a registered secret may also be part of a field's name (a client
    secret "secret" or "token" inside ``client_secret=…``), and replacing it first would break
    the name the shape looks for and let the value through."""
    for pattern, replacement in _SHAPES:
        text = pattern.sub(replacement, text)
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for secret in known:
        text = text.replace(secret, MASK)
    return _RUN.sub(_unless_guid, text)


def _unless_guid(match: re.Match[str]) -> str:
    run = match.group(0)
    if _GUID.fullmatch(run) or not any(character.isdigit() for character in run):
        return run
    return MASK
