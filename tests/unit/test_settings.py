"""The xero_default connection is read in one place, and a bad one is refused clearly."""

from __future__ import annotations

from typing import Any

import pytest

from xero_sync.errors import ConfigurationError
from xero_sync.settings import DEFAULT_SCOPES, XeroSettings


def settings(extra: Any = None, login: str | None = "id", password: str | None = "secret"
             ) -> XeroSettings:
    return XeroSettings.from_fields("xero_default", login, password, extra)


def test_defaults_are_xero_itself() -> None:
    read = settings()
    assert read.api_url == "https://api.xero.com"
    assert read.token_url == "https://identity.xero.com/connect/token"
    assert read.authorize_url == "https://login.xero.com/identity/connect/authorize"
    assert read.auth_mode == "authorization_code"
    assert read.page_size == 1000
    assert read.scopes == DEFAULT_SCOPES
    assert read.tenant_ids is None


def test_sandbox_urls_and_options() -> None:
    read = settings({"api_url": "http://127.0.0.1:8765/", "identity_url": "http://127.0.0.1:8765",
                     "login_url": "http://127.0.0.1:8765", "tenant_ids": "A, b",
                     "scopes": "offline_access accounting.settings.read", "page_size": 500,
                     "auth_mode": "client_credentials"})
    assert read.api_url == "http://127.0.0.1:8765"
    assert read.tenant_ids == ("a", "b")
    assert read.scopes == ("offline_access", "accounting.settings.read")
    assert read.page_size == 500
    assert read.auth_mode == "client_credentials"


def test_extra_as_json_text_and_old_prefixed_fields() -> None:
    assert settings('{"page_size": 10}').page_size == 10
    assert settings({"extra__xero__page_size": 20}).page_size == 20


@pytest.mark.parametrize(("extra", "login", "password", "message"), [
    (None, None, "s", "login must hold the Xero app's client id"),
    (None, "id", "", "password its client secret"),
    ("{not json", "id", "s", "extra is not JSON"),
    ("[1, 2]", "id", "s", "extra must be a JSON object"),
    ({"colour": "red"}, "id", "s", "unknown extra field.*colour"),
    ({"auth_mode": "password"}, "id", "s", "auth_mode is 'password'; expected one of"),
    ({"tenant_ids": [1, 2]}, "id", "s", "tenant_ids must be a list of tenant id strings"),
    ({"api_url": "api.xero.com"}, "id", "s", "extra.api_url is 'api.xero.com'; expected a URL"),
    ({"scopes": 42}, "id", "s", "extra.scopes must be a list"),
    ({"page_size": 5000}, "id", "s", "page_size is 5000; expected an integer from 1 to 1000"),
    ({"page_size": "100"}, "id", "s", "page_size is '100'"),
    ({"page_size": True}, "id", "s", "page_size is True"),
])
def test_bad_connection_is_refused_naming_the_field(extra: Any, login: str | None,
                                                     password: str | None, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message) as error:
        settings(extra, login, password)
    assert "xero_default" in str(error.value)
