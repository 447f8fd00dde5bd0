"""Tokens handed out are registered with Airflow's secret masker."""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.sdk.log import redact

from xero_sync.auth.masking import mask_tokens
from xero_sync.auth.tokens import TokenSet


def test_tokens_are_redacted_by_airflow() -> None:
    tokens = TokenSet("eyJhbGciOiJIUzI1NiJ9.masking-test.sig", "f" * 64, datetime.now(UTC))
    mask_tokens(tokens)
    mask_tokens(tokens)  # idempotent
    line = f"Authorization: Bearer {tokens.access_token} refresh={tokens.refresh_token}"
    redacted = str(redact(line))
    assert tokens.access_token not in redacted
    assert str(tokens.refresh_token) not in redacted
    assert "***" in redacted


def test_client_credentials_set_without_refresh_token_is_fine() -> None:
    mask_tokens(TokenSet("eyJ.cc-only.sig", None, datetime.now(UTC)))
    mask_tokens(None)
    assert "eyJ.cc-only.sig" not in str(redact("token eyJ.cc-only.sig"))
