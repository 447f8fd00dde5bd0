"""Token text is encrypted with a configured key, and a missing or changed key says so."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from xero_sync.auth.crypto import KeyMismatchError, TokenCipher
from xero_sync.errors import ConfigurationError, TokenStoreError


def test_round_trip_hides_the_text(cipher: TokenCipher) -> None:
    secret = "eyJhbGciOi.secret-token-text"
    encrypted = cipher.encrypt(secret)
    assert secret not in encrypted
    assert cipher.decrypt(encrypted) == secret


def test_own_key_wins_over_airflow_key(fernet_key: str) -> None:
    other = Fernet.generate_key().decode()
    cipher = TokenCipher.from_environment(
        {"XERO_SYNC_FERNET_KEY": fernet_key, "AIRFLOW__CORE__FERNET_KEY": other})
    assert TokenCipher(fernet_key).decrypt(cipher.encrypt("x")) == "x"


def test_airflow_key_is_the_fallback(fernet_key: str) -> None:
    cipher = TokenCipher.from_environment({"AIRFLOW__CORE__FERNET_KEY": fernet_key},
                                          airflow_key=lambda: None)
    assert TokenCipher(fernet_key).decrypt(cipher.encrypt("x")) == "x"
    assert cipher.source == "Airflow's [core] fernet_key"


def test_airflow_config_is_consulted_last(fernet_key: str) -> None:
    cipher = TokenCipher.from_environment({}, airflow_key=lambda: fernet_key)
    assert TokenCipher(fernet_key).decrypt(cipher.encrypt("x")) == "x"


def test_no_key_names_both_settings_and_how_to_make_one() -> None:
    with pytest.raises(ConfigurationError) as caught:
        TokenCipher.from_environment({}, airflow_key=lambda: None)
    message = str(caught.value)
    assert "XERO_SYNC_FERNET_KEY" in message
    assert "AIRFLOW__CORE__FERNET_KEY" in message
    assert "Fernet.generate_key()" in message


def test_malformed_key_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="not a valid Fernet key"):
        TokenCipher("not-a-key")


def test_wrong_key_says_the_key_changed(cipher: TokenCipher) -> None:
    encrypted = cipher.encrypt("token")
    with pytest.raises(KeyMismatchError, match="key changed") as caught:
        TokenCipher(Fernet.generate_key().decode()).decrypt(encrypted)
    assert isinstance(caught.value, TokenStoreError)
    assert not caught.value.retryable
    assert "authorize --replace-undecryptable" in str(caught.value)  # the way out, not a loop


def test_wrong_key_fails_dag_tasks_at_once(cipher: TokenCipher) -> None:
    from airflow.sdk.definitions.retry_policy import RetryAction

    from xero_sync.dag_factory import RETRY_POLICY

    with pytest.raises(KeyMismatchError) as caught:
        TokenCipher(Fernet.generate_key().decode()).decrypt(cipher.encrypt("token"))
    assert RETRY_POLICY.evaluate(caught.value, 1, 4).action == RetryAction.FAIL


def test_rotation_new_key_first_old_key_still_decrypts(fernet_key: str) -> None:
    encrypted = TokenCipher(fernet_key).encrypt("token")
    rotated = TokenCipher(f"{Fernet.generate_key().decode()},{fernet_key}")
    assert rotated.decrypt(encrypted) == "token"
