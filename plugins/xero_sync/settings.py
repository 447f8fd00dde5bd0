"""The ``xero_default`` connection, read and checked in one place.

Contract (shared/design.md): login = client id, password = client secret; extra: ``auth_mode``
(``authorization_code`` | ``client_credentials``), ``tenant_ids`` (optional), ``api_url``,
``identity_url``, ``login_url``, ``scopes``, ``page_size`` (default 1000), ``rate_limits``
(optional: ``per_minute``, ``concurrent``, ``app_per_minute``; default Xero's 60, 5, 10,000).
Pointing the three URLs at the sandbox is the only difference between the sandbox and Xero.
The URLs must be https except on this machine (loopback) or for hosts listed in
``allow_http_hosts``; ``repr()`` never shows the client secret.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from xero_sync.errors import ConfigurationError
from xero_sync.ratelimit.budget import XeroLimits

AUTH_MODES = ("authorization_code", "client_credentials")
DEFAULT_SCOPES = (
    "offline_access", "accounting.settings.read", "accounting.contacts.read",
    "accounting.transactions.read", "accounting.journals.read", "payroll.employees.read",
)
MAX_PAGE_SIZE = 1000
# Plain http would send the client secret and tokens in clear text; only a server on this
# machine (the sandbox, a test) is exempt, or a host the connection names in allow_http_hosts.
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True)
class XeroSettings:
    """Everything the hook needs to reach Xero for one app."""

    client_id: str
    client_secret: str = field(repr=False)
    auth_mode: str = "authorization_code"
    tenant_ids: tuple[str, ...] | None = None
    api_url: str = "https://api.xero.com"
    identity_url: str = "https://identity.xero.com"
    login_url: str = "https://login.xero.com"
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    page_size: int = MAX_PAGE_SIZE
    rate_limits: XeroLimits = field(default_factory=XeroLimits)

    @property
    def token_url(self) -> str:
        """Where codes and refresh tokens are exchanged."""
        return f"{self.identity_url}/connect/token"

    @property
    def authorize_url(self) -> str:
        """The consent page a person opens once."""
        return f"{self.login_url}/identity/connect/authorize"

    @property
    def revocation_url(self) -> str:
        """Where a refresh token is revoked."""
        return f"{self.identity_url}/connect/revocation"

    @classmethod
    def from_fields(cls, conn_id: str, login: str | None, password: str | None,
                    extra: Mapping[str, Any] | str | None) -> XeroSettings:
        """Validate a connection's fields; every error names the connection and the field."""
        if not login or not password:
            raise ConfigurationError(
                f"connection {conn_id!r}: login must hold the Xero app's client id and password "
                "its client secret (developer.xero.com → My Apps → your app → Configuration)"
            )
        options = _extra(conn_id, extra)
        insecure_ok = (*LOOPBACK_HOSTS, *_allow_http_hosts(conn_id, options))
        return cls(
            client_id=login,
            client_secret=password,
            auth_mode=_auth_mode(conn_id, options),
            tenant_ids=_tenant_ids(conn_id, options),
            api_url=_url(conn_id, options, "api_url", cls.api_url, insecure_ok),
            identity_url=_url(conn_id, options, "identity_url", cls.identity_url, insecure_ok),
            login_url=_url(conn_id, options, "login_url", cls.login_url, insecure_ok),
            scopes=_scopes(conn_id, options),
            page_size=_page_size(conn_id, options),
            rate_limits=_rate_limits(conn_id, options),
        )


def _extra(conn_id: str, extra: Mapping[str, Any] | str | None) -> Mapping[str, Any]:
    if extra is None or extra == "":
        return {}
    if isinstance(extra, str):
        try:
            extra = json.loads(extra)
        except json.JSONDecodeError as error:
            message = f"connection {conn_id!r}: extra is not JSON: {error}"
            raise ConfigurationError(message) from None
    if not isinstance(extra, Mapping):
        raise ConfigurationError(f"connection {conn_id!r}: extra must be a JSON object")
    # Older Airflow forms stored custom fields as extra__<conn type>__<name>.
    extra = {key.removeprefix("extra__xero__"): value for key, value in extra.items()}
    known = {"auth_mode", "tenant_ids", "api_url", "identity_url", "login_url", "scopes",
             "page_size", "allow_http_hosts", "rate_limits"}
    unknown = sorted(set(extra) - known)
    if unknown:
        raise ConfigurationError(
            f"connection {conn_id!r}: unknown extra field(s) {', '.join(unknown)}; "
            f"expected some of {', '.join(sorted(known))}"
        )
    return extra


def _auth_mode(conn_id: str, options: Mapping[str, Any]) -> str:
    mode = options.get("auth_mode", "authorization_code")
    if mode not in AUTH_MODES:
        raise ConfigurationError(
            f"connection {conn_id!r}: extra.auth_mode is {mode!r}; expected one of "
            f"{', '.join(AUTH_MODES)} (client_credentials is for Xero Custom Connections)"
        )
    return str(mode)


def _tenant_ids(conn_id: str, options: Mapping[str, Any]) -> tuple[str, ...] | None:
    value = options.get("tenant_ids")
    if value in (None, "", []):
        return None
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigurationError(
            f"connection {conn_id!r}: extra.tenant_ids must be a list of tenant id strings "
            "(or a comma-separated string); leave it out to sync every connected organisation"
        )
    return tuple(v.lower() for v in value)


def _url(conn_id: str, options: Mapping[str, Any], name: str, default: str,
         insecure_ok: tuple[str, ...]) -> str:
    value = options.get(name, default)
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise ConfigurationError(
            f"connection {conn_id!r}: extra.{name} is {value!r}; expected a URL such as "
            f"{default}"
        )
    host = (urlsplit(value).hostname or "").lower()
    if value.startswith("http://") and host not in insecure_ok:
        raise ConfigurationError(
            f"connection {conn_id!r}: extra.{name} is {value!r}; expected an https:// URL "
            f"(such as {default}): plain http would send the client secret and tokens "
            f"unencrypted. http is accepted only for {', '.join(LOOPBACK_HOSTS)}, or a host "
            "listed in extra.allow_http_hosts (a private network you trust)"
        )
    return value.rstrip("/")


def _allow_http_hosts(conn_id: str, options: Mapping[str, Any]) -> tuple[str, ...]:
    """Hosts the connection lets use plain http (e.g. the compose sandbox, ``xero-sandbox``)."""
    value = options.get("allow_http_hosts") or []
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigurationError(
            f"connection {conn_id!r}: extra.allow_http_hosts must be a list of host names "
            "(or a comma-separated string); leave it out to require https"
        )
    return tuple(v.lower() for v in value)


def _scopes(conn_id: str, options: Mapping[str, Any]) -> tuple[str, ...]:
    value = options.get("scopes", DEFAULT_SCOPES)
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list | tuple) or not value:
        raise ConfigurationError(
            f"connection {conn_id!r}: extra.scopes must be a list or a space-separated string"
        )
    return tuple(str(scope) for scope in value)


def _page_size(conn_id: str, options: Mapping[str, Any]) -> int:
    value = options.get("page_size", MAX_PAGE_SIZE)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_PAGE_SIZE:
        raise ConfigurationError(
            f"connection {conn_id!r}: extra.page_size is {value!r}; expected an integer from 1 "
            f"to {MAX_PAGE_SIZE} (Xero's maximum; 1000 makes the fewest calls)"
        )
    return value


def _rate_limits(conn_id: str, options: Mapping[str, Any]) -> XeroLimits:
    """Xero's limits, or the connection's own (a plan or a test server with other limits)."""
    value = options.get("rate_limits") or {}
    fields = ("per_minute", "concurrent", "app_per_minute")
    if not isinstance(value, Mapping) or set(value) - set(fields) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value.values()):
        raise ConfigurationError(
            f"connection {conn_id!r}: extra.rate_limits is {value!r}; expected an object with "
            f"some of {', '.join(fields)} as positive integers (Xero's are 60, 5 and 10000: "
            "leave it out to use them)"
        )
    return XeroLimits(**value)
