"""The warehouse of a target, an Airflow Connection or a connection id.

In Airflow the warehouse is the Connection ``xero_warehouse``: SQL Server goes through the
MSSQL provider (``MsSqlHook(mssql_conn_id=…).get_conn()``, so the connection's extras reach
pymssql exactly as the provider passes them), and a warehouse that ends cleanly gives its
connection back for the process's next one (``pool.py``: a login saved, and on Babelfish a slow
first parse of every statement); PostgreSQL and SQLite are opened from the
Connection's fields. Tests and the command line pass a ``WarehouseTarget`` (from a URI).
"""

from __future__ import annotations

from typing import Any

from xero_sync.warehouse.base import DEFAULT_SCHEMA
from xero_sync.warehouse.dbapi import WarehouseTarget, connect, target_from_connection
from xero_sync.warehouse.mssql import MssqlWarehouse
from xero_sync.warehouse.pool import IDLE
from xero_sync.warehouse.postgres import PostgresWarehouse
from xero_sync.warehouse.sqlbase import SqlWarehouse
from xero_sync.warehouse.sqlite import SqliteWarehouse

WAREHOUSES: dict[str, type[SqlWarehouse]] = {
    "sqlite": SqliteWarehouse, "postgres": PostgresWarehouse, "mssql": MssqlWarehouse,
}


def warehouse_for(target_or_connection: WarehouseTarget | Any,
                  schema: str = DEFAULT_SCHEMA) -> SqlWarehouse:
    """An open warehouse; the caller closes it (``close()``).

    Accepts a ``WarehouseTarget``, an Airflow ``Connection`` or a connection id.
    """
    if isinstance(target_or_connection, WarehouseTarget):
        target = target_or_connection
        return WAREHOUSES[target.dialect](connect(target), schema,
                                          description=target.describe())
    conn = target_or_connection
    if isinstance(conn, str):
        from airflow.sdk import BaseHook

        conn = BaseHook.get_connection(conn)
    target = target_from_connection(conn)
    where = target.describe()
    if target.dialect == "mssql":
        from airflow.providers.microsoft.mssql.hooks.mssql import MsSqlHook

        key = (conn.conn_id, conn.get_uri())  # a connection edited since is another key
        connection = IDLE.take(key) or MsSqlHook(mssql_conn_id=conn.conn_id).get_conn()
        warehouse = MssqlWarehouse(connection, schema, description=f"{conn.conn_id} ({where})")
        warehouse.give_back = lambda used: IDLE.give_back(key, used)
        return warehouse
    return WAREHOUSES[target.dialect](connect(target), schema,
                                      description=f"{conn.conn_id} ({where})")


def open_warehouse(target: WarehouseTarget | Any, schema: str = DEFAULT_SCHEMA) -> SqlWarehouse:
    """The same as :func:`warehouse_for` (the name the sync tasks use)."""
    return warehouse_for(target, schema)
