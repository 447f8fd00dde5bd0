"""Provider metadata: registers the ``xero`` connection type and its form in Airflow's UI.

Airflow reads this through the ``apache_airflow_provider`` entry point (pyproject.toml); the
fields are declared here, as Airflow 3.2+ prefers, rather than as wtforms widgets on the hook.
"""

from __future__ import annotations

from typing import Any

from xero_sync.scopes import ENDPOINT_SCOPES, GRANULAR_DEFAULT, SINCE
from xero_sync.settings import AUTH_MODES, MAX_PAGE_SIZE


def _field(label: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"label": label, "description": description, "schema": schema}


def _scopes_description() -> str:
    """Why the form offers the granular scopes, and what to add or swap (from ``scopes``)."""
    opt_in = {need.granular: need.opt_in for need in ENDPOINT_SCOPES.values() if need.opt_in}
    split = [need for need in ENDPOINT_SCOPES.values() if need.broad != need.granular]
    broad = sorted({need.broad for need in split})
    granular = sorted({need.granular for need in split})
    return (
        "Space-separated OAuth scopes. The default is Xero's granular scopes, the only ones an "
        f"app created since {SINCE} may ask for. They read every object except those needing "
        + "; ".join(f"{scope} ({why})" for scope, why in opt_in.items())
        + ": add those scopes to sync them. An app created earlier may keep the broad "
        f"{', '.join(broad)} in place of {', '.join(granular)} (until September 2027). Run the "
        "authorize command again after changing the scopes.")


CONN_FIELDS = {
    "auth_mode": _field(
        "Auth mode", "authorization_code for a Xero web app (run the authorize command once); "
        "client_credentials for a Custom Connection.",
        {"type": "string", "enum": list(AUTH_MODES), "default": AUTH_MODES[0]}),
    "tenant_ids": _field(
        "Tenant ids", "Comma-separated organisations to sync; empty = every connected one.",
        {"type": ["string", "null"]}),
    "scopes": _field("Scopes", _scopes_description(),
                     {"type": "string", "default": " ".join(GRANULAR_DEFAULT)}),
    "page_size": _field(
        "Page size", f"Records per page, 1 to {MAX_PAGE_SIZE} (Xero's maximum, fewest calls).",
        {"type": "integer", "default": MAX_PAGE_SIZE, "minimum": 1, "maximum": MAX_PAGE_SIZE}),
    "api_url": _field("API URL", "Xero's API, or the sandbox's URL.",
                      {"type": "string", "default": "https://api.xero.com"}),
    "identity_url": _field("Identity URL", "Xero's token endpoint host, or the sandbox's URL.",
                           {"type": "string", "default": "https://identity.xero.com"}),
    "login_url": _field("Login URL", "Xero's consent page host, or the sandbox's URL.",
                        {"type": "string", "default": "https://login.xero.com"}),
}


def get_provider_info() -> dict[str, Any]:
    """What Airflow's ProvidersManager needs to know about this package."""
    return {
        "package-name": "xero-sync",
        "name": "Xero Sync",
        "description": "Keep Microsoft SQL Server in sync with Xero.",
        "versions": ["0.1.0"],
        "connection-types": [{
            "connection-type": "xero",
            "hook-class-name": "xero_sync.hooks.xero.XeroHook",
            "hook-name": "Xero",
            "conn-fields": CONN_FIELDS,
            "ui-field-behaviour": {
                "hidden-fields": ["host", "schema", "port"],
                "relabeling": {"login": "Client ID", "password": "Client secret"},
                "placeholders": {"login": "32-character client id from developer.xero.com"},
            },
        }],
    }
