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
