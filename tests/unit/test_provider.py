"""The xero connection type, with its fields, is registered with Airflow's UI."""

from __future__ import annotations

from airflow.providers_manager import ProvidersManager


def test_xero_connection_type_and_form_fields_are_registered() -> None:
    manager = ProvidersManager()
    widgets = manager.connection_form_widgets
    for name in ("auth_mode", "tenant_ids", "scopes", "page_size", "api_url", "identity_url",
                 "login_url"):
        widget = widgets[f"extra__xero__{name}"]
        assert widget.hook_class_name == "xero_sync.hooks.xero.XeroHook"
        assert widget.field["description"]
    behaviour = manager.field_behaviours["xero"]
    assert behaviour["relabeling"] == {"login": "Client ID", "password": "Client secret"}
    assert "host" in behaviour["hidden_fields"]


def test_the_scopes_field_offers_the_granular_scopes_and_says_why() -> None:
    """Apps created since March 2026 cannot ask for the broad scopes: the form must not
    offer them, and must say what to add or swap."""
    from xero_sync.scopes import GRANULAR_DEFAULT, OPT_IN

    field = ProvidersManager().connection_form_widgets["extra__xero__scopes"].field
    offered = field["schema"]["default"].split()
    assert offered == list(GRANULAR_DEFAULT)
    assert "offline_access" in offered
    assert "accounting.transactions.read" not in offered  # refused to apps since March 2026
    assert "accounting.invoices.read" in offered
    description = field["description"]
    assert "granular" in description and "2 March 2026" in description
    for scope in (*OPT_IN, "accounting.transactions.read"):
        assert scope in description
