"""Fernet encryption of token text, so a copy of the warehouse is not a copy of the Xero login.

The key comes from ``XERO_SYNC_FERNET_KEY`` or, failing that, from Airflow's own ``[core]
fernet_key`` (``AIRFLOW__CORE__FERNET_KEY``, or ``airflow.cfg``): a deployment that already
protects Airflow's connections needs no second secret. Several comma-separated keys are
accepted, as Airflow accepts them: the first encrypts, any decrypts, so a key can be rotated.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from xero_sync.auth.masking import mask_secrets
from xero_sync.errors import ConfigurationError, TokenStoreError

KEY_ENV = "XERO_SYNC_FERNET_KEY"
AIRFLOW_KEY_ENV = "AIRFLOW__CORE__FERNET_KEY"
GENERATE_HINT = (
    'generate one with: python -c "from cryptography.fernet import Fernet; '
    'print(Fernet.generate_key().decode())"'
)


REPLACE_FLAG = "--replace-undecryptable"


class KeyMismatchError(TokenStoreError, ConfigurationError):
    """The stored tokens were encrypted with another key; retrying cannot help.

    A configuration error too (the key is a setting), so the DAGs fail at once: a person must
    restore the key or replace the tokens (``authorize`` with :data:`REPLACE_FLAG`).
    """

    retryable = False
    fix = ("Put back the Fernet key the tokens were stored with (AIRFLOW_FERNET_KEY or "
           "XERO_SYNC_FERNET_KEY), or replace the tokens: README, Runbook, a lost Fernet key.")


class TokenCipher:
    """Encrypts and decrypts token text with one or more Fernet keys."""

    def __init__(self, keys: str, source: str = KEY_ENV) -> None:
        self.source = source
        parts = [part.strip() for part in keys.split(",") if part.strip()]
        mask_secrets(keys, *parts)
        try:
            self._fernet = MultiFernet([Fernet(part.encode()) for part in parts])
        except (ValueError, TypeError):
            raise ConfigurationError(
                f"{source} is not a valid Fernet key (32 url-safe base64-encoded bytes); "
                f"{GENERATE_HINT}"
            ) from None

    @classmethod
    def from_environment(
        cls,
        environ: Mapping[str, str] | None = None,
        airflow_key: Callable[[], str | None] | None = None,
    ) -> TokenCipher:
        """The cipher configured for this deployment, or a ConfigurationError saying how."""
        environ = os.environ if environ is None else environ
        own = environ.get(KEY_ENV, "").strip()
        if own:
            return cls(own, KEY_ENV)
        shared = environ.get(AIRFLOW_KEY_ENV, "").strip() or (airflow_key or _airflow_key)()
        if shared:
            return cls(shared, "Airflow's [core] fernet_key")
        raise ConfigurationError(
            f"no key to encrypt the Xero tokens: set {KEY_ENV}, or Airflow's [core] fernet_key "
            f"({AIRFLOW_KEY_ENV}); {GENERATE_HINT}"
        )

    def encrypt(self, text: str) -> str:
        """Ciphertext safe to store in a text column."""
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        """The token text; a TokenStoreError when the key is not the one that encrypted it."""
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise KeyMismatchError(
                f"the stored Xero tokens cannot be decrypted with the key from {self.source}: "
                f"the key changed since they were saved. Restore the previous key (or list it "
                f"after the new one, comma-separated, in {KEY_ENV}); if it is lost, replace "
                f"the tokens: python -m xero_sync.auth authorize {REPLACE_FLAG} (README "
                "runbook: a lost Fernet key)"
            ) from None


def _airflow_key() -> str | None:
    """Airflow's configured fernet key (airflow.cfg, ``_CMD``, ``_SECRET``), if there is one."""
    with contextlib.suppress(Exception):
        from airflow.sdk.configuration import conf

        value = str(conf.get("core", "fernet_key", fallback="") or "").strip()
        # The SDK returns the unexpanded template default "{FERNET_KEY}" when nothing is set.
        if value and not value.startswith("{"):
            return value
    return None
