"""XeroHook: an Airflow Connection in, authenticated and rate-limited Xero reads out.

The hook is configured only by the ``xero_default`` connection (client id, secret and the
extra fields of shared/design.md) and keeps its tokens in the warehouse named by
``xero_warehouse``, where every worker shares them under a lock. The rate limiter's ledger
lives there too, so every worker and DAG shares each organisation's minute.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import datetime
from functools import cached_property
from typing import Any

from airflow.sdk import BaseHook

from xero_sync.auth.oauth import TokenManager, authorize_command
from xero_sync.auth.token_store import token_store
from xero_sync.client import XeroClient
from xero_sync.errors import ConfigurationError, NoOrganisationsConnected
from xero_sync.extract import ExtractSpec, Page, extract, extract_ids
from xero_sync.ratelimit.limiter import RateLimiter
from xero_sync.ratelimit.warehouse_ledger import warehouse_ledger
from xero_sync.settings import XeroSettings
from xero_sync.warehouse.dbapi import WarehouseTarget, target_from_connection

DEFAULT_CONN_ID = "xero_default"
DEFAULT_WAREHOUSE_CONN_ID = "xero_warehouse"


class XeroHook(BaseHook):
    """Reads Xero for every connected organisation (or those the connection names)."""

    conn_name_attr = "xero_conn_id"
    default_conn_name = DEFAULT_CONN_ID
    conn_type = "xero"
    hook_name = "Xero"

    def __init__(self, xero_conn_id: str = DEFAULT_CONN_ID,
                 warehouse_conn_id: str = DEFAULT_WAREHOUSE_CONN_ID,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.xero_conn_id = xero_conn_id
        self.warehouse_conn_id = warehouse_conn_id

    @cached_property
    def settings(self) -> XeroSettings:
        """The connection's fields, validated (errors name the connection and the field)."""
        conn = self.get_connection(self.xero_conn_id)
        return XeroSettings.from_fields(self.xero_conn_id, conn.login, conn.password,
                                        conn.extra)

    @cached_property
    def warehouse(self) -> WarehouseTarget:
        """Where the token store lives: the warehouse connection."""
        return target_from_connection(self.get_connection(self.warehouse_conn_id))

    @cached_property
    def client(self) -> XeroClient:
        """The request client, sharing tokens and each organisation's rate-limit budget with
        every other worker through the warehouse."""
        manager = TokenManager(self.settings, token_store(self.warehouse),
                               conn_id=self.xero_conn_id)
        limiter = RateLimiter(self.settings.client_id, warehouse_ledger(self.warehouse),
                              self.settings.rate_limits)
        return XeroClient(self.settings, manager, limiter=limiter)

    def fork(self) -> XeroHook:
        """A hook for another thread of the same task: the same connections (read once), a
        client of its own, so each organisation's calls are counted apart and no HTTP session
        is shared between threads. Tokens and rate limits stay shared through the warehouse."""
        twin = copy.copy(self)
        twin.__dict__.pop("client", None)
        return twin

    def tenant_ids(self, requested: list[str] | None = None) -> list[str]:
        """The ids of :meth:`organisations`, in the same order."""
        return list(self.organisations(requested))

    def organisations(self, requested: list[str] | None = None) -> dict[str, str]:
        """The organisations to sync, id → name (Xero's ``tenantName``; the id when Xero gives
        none): connected ones, narrowed by the connection and the run.

        A tenant named in the connection or the run but not connected to the app is an error,
        not silently skipped: its data would otherwise stop arriving without anyone noticing.
        So is no organisation at all: the sync would be skipped and every run look green.
        """
        names = {str(c["tenantId"]).lower(): str(c.get("tenantName") or c["tenantId"])
                 for c in self.client.connections()
                 if c.get("tenantType", "ORGANISATION") == "ORGANISATION"}
        connected = list(names)
        if not connected:
            raise NoOrganisationsConnected(
                f"no Xero organisation is connected to the app of connection "
                f"{self.xero_conn_id!r} (each one was disconnected in Xero, or the consent "
                "chose none), so nothing can be synced.",
                fix=f"Connect them again: run {authorize_command(self.xero_conn_id)} and choose "
                "the organisations.")
        wanted = [t.lower() for t in (requested or self.settings.tenant_ids or connected)]
        missing = [t for t in wanted if t not in connected]
        if missing:
            raise ConfigurationError(
                f"organisation(s) {', '.join(missing)} are not connected to the Xero app of "
                f"connection {self.xero_conn_id!r}; connected: {', '.join(connected) or 'none'}."
                " Run the authorize command to connect them, or fix tenant_ids."
            )
        return {tenant: names[tenant] for tenant in wanted}

    def extract(self, spec: ExtractSpec, tenant_id: str, since: datetime | None = None,
                offset: int | None = None) -> Iterator[Page]:
        """Stream one object's pages for one organisation (see xero_sync.extract)."""
        return extract(self.client, spec, tenant_id, since, offset, self.settings.page_size)

    def extract_ids(self, spec: ExtractSpec, tenant_id: str, ids: list[str]) -> Iterator[Page]:
        """The records with these ids, 50 a call (a webhook run; see xero_sync.extract)."""
        return extract_ids(self.client, spec, tenant_id, ids)

    def test_connection(self) -> tuple[bool, str]:
        """The UI's "Test" button: can we list the connected organisations?"""
        try:
            tenants = self.client.connections()
        except Exception as error:  # the UI shows any failure as text
            return False, str(error)
        return True, f"connected to {len(tenants)} Xero organisation(s)"
