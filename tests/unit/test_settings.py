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
    # Apps created since March 2026 may not ask for the broad scope: the default never does.
    assert "accounting.transactions.read" not in DEFAULT_SCOPES
    assert {"offline_access", "accounting.invoices.read"} <= set(DEFAULT_SCOPES)
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


@pytest.mark.parametrize("field", ["api_url", "identity_url", "login_url"])
def test_plain_http_is_refused_beyond_this_machine(field: str) -> None:
    with pytest.raises(ConfigurationError) as error:
        settings({field: "http://api.xero.com"})
    message = str(error.value)
    assert f"extra.{field} is 'http://api.xero.com'; expected an https:// URL" in message
    assert "allow_http_hosts" in message


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765", "http://localhost:8765",
                                 "http://[::1]:8765", "http://LocalHost"])
def test_plain_http_is_accepted_on_loopback(url: str) -> None:
    read = settings({"api_url": url, "identity_url": url, "login_url": url})
    assert read.api_url == url and read.token_url == f"{url}/connect/token"


def test_plain_http_to_a_host_the_connection_allows() -> None:
    url = "http://xero-sandbox:8765"
    read = settings({"api_url": url, "identity_url": url, "login_url": url,
                     "allow_http_hosts": "xero-sandbox"})
    assert read.identity_url == url
    with pytest.raises(ConfigurationError, match=r"extra\.login_url is 'http://other:1'"):
        settings({"login_url": "http://other:1", "allow_http_hosts": ["xero-sandbox"]})
    with pytest.raises(ConfigurationError, match="allow_http_hosts must be a list"):
        settings({"allow_http_hosts": [1]})


def test_repr_never_shows_the_client_secret() -> None:
    read = settings(password="the-client-secret-value")
    assert "the-client-secret-value" not in repr(read) and "id" in repr(read)
