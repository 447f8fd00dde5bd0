"""Read the two Airflow Connections a command-line process needs: Xero and the warehouse.

Inside a task the hook gets its Connection from Airflow; a CLI process has no task context, so
it reads ``AIRFLOW_CONN_<ID>`` (URI or JSON) and any configured secrets backend through
``airflow.sdk.Connection``. Scripts and tests may pass the URI directly instead.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from xero_sync.errors import ConfigurationError
from xero_sync.settings import XeroSettings
from xero_sync.warehouse.dbapi import WarehouseTarget, target_from_connection, target_from_uri


def load_connection(conn_id: str, value: str | None = None) -> Any:
    """The Connection ``conn_id``, from ``value`` (a URI or JSON) when given, else from Airflow.

    Connections kept only in Airflow's metadata database are found when this runs where that
    database is configured (``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN``, e.g. in the Airflow
    container); elsewhere only environment variables and secrets backends are visible.
    """
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    if value:
        if value.lstrip().startswith("{"):
            return Connection.from_json(value, conn_id=conn_id)
        return Connection.from_uri(value, conn_id=conn_id)
    with contextlib.suppress(AirflowNotFoundException):
        return Connection.get(conn_id)
    if os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"):
        with contextlib.suppress(AirflowNotFoundException):
            from airflow.models.connection import Connection as StoredConnection

            return StoredConnection.get_connection_from_secrets(conn_id)
    raise ConfigurationError(
        f"Airflow connection {conn_id!r} is not defined: create it (Admin → Connections, or "
        f"the environment variable AIRFLOW_CONN_{conn_id.upper()} holding its URI or JSON), "
        "or pass it to this command with --xero-conn-uri / --warehouse-uri"
    )


def xero_settings(conn_id: str, value: str | None = None) -> XeroSettings:
    """The Xero app of a connection (login = client id, password = client secret, extra)."""
    conn = load_connection(conn_id, value)
    return XeroSettings.from_fields(conn_id, conn.login, conn.password, conn.extra)


def warehouse_target(conn_id: str, uri: str | None = None) -> WarehouseTarget:
    """Where the token store lives: ``uri`` (``sqlite:////path.db``…) or the connection."""
    if uri and "://" in uri and not uri.lstrip().startswith("{"):
        return target_from_uri(uri)
    return target_from_connection(load_connection(conn_id, uri))
