"""The T-SQL of a SQL Server load, generated from a mapping (kept as golden files in tests).

A batch travels as ONE JSON parameter per table: ``OPENJSON(@json) WITH (…)`` types every
column on the server, so there is one round trip per table whatever the batch size, no
2,100-parameter limit and no client-side string building of values. pymssql interpolates
parameters client-side as quoted literals; the JSON is ASCII (``\\uXXXX`` escapes), so no
character can be lost to a connection charset on the way.

Staging keeps bounded text as NVARCHAR(MAX): OPENJSON silently cuts a value longer than its
declared type, while the MERGE into the NVARCHAR(n) column fails loudly (ANSI_WARNINGS, set per
transaction below) and the batch is rolled back instead of stored shortened.

The MERGE overwrites a stored row only when the staged one is not older and differs from it:
``EXISTS (SELECT s.… EXCEPT SELECT t.…)`` is the NULL-safe comparison, with ``_raw_json`` under
a binary collation because the database's default collation may ignore case and trailing
spaces. ``OUTPUT … INTO #applied`` records what was written; the children of exactly those
parents are then replaced.
"""

from __future__ import annotations

from xero_sync.mapping import ChildTable, ObjectMapping
from xero_sync.warehouse.ddl import create_table
from xero_sync.warehouse.dialect import MSSQL
from xero_sync.warehouse.events import webhook_event_statements
from xero_sync.warehouse.statements import (
    clear_lock_holder_sql,
    clear_seen_sql,
    count_quarantine_sql,
    insert_sql,
    lock_holder_sql,
    mark_missing_sql,
    quarantine_page_sql,
    quarantined_key_sql,
    raw_page_sql,
    reset_state_sql,
    select_state_sql,
    tenants_sql,
)
from xero_sync.warehouse.tables import (
    CONTROL_TABLES,
    QUARANTINE,
    SYNC_LOCKS,
    SYNC_RUNS,
    SYNC_SEEN,
    SYNC_STATE,
    ColumnSpec,
    TableSpec,
    child_table,
    compared_columns,
    mapping_tables,
    parent_table,
)

Q = MSSQL.quote
LOCK_TIMEOUT_MS = 120_000
BINARY = "Latin1_General_100_BIN2"
LOAD_VARIABLES = "DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;"
_OUTPUT = ("action", "tenant_id", "{key}", "is_deleted", "was_deleted")


def session_sql() -> str:
    """Run at the start of every transaction: errors abort it whole, truncation is an error."""
    return ("SET XACT_ABORT ON; SET ANSI_NULLS ON; SET ANSI_WARNINGS ON; "
            "SET QUOTED_IDENTIFIER ON; SET ARITHABORT ON")


def ddl_lock_sql() -> str:
    """An exclusive application lock owned by the transaction; parameter: the resource."""
    return ("DECLARE @result INT; EXEC @result = sp_getapplock @Resource = %s, "
            f"@LockMode = 'Exclusive', @LockOwner = 'Transaction', "
            f"@LockTimeout = {LOCK_TIMEOUT_MS}; SELECT @result AS lock_result")


def run_lock_sql() -> str:
    """Try the run lock once, without waiting: an exclusive application lock owned by the
    session, so it outlives the run's transactions and ends with its connection. Parameter:
    the resource. Returns sp_getapplock's code (0 granted; SQL Server -1, Babelfish -999 when
    another session holds it)."""
    return ("DECLARE @result INT; EXEC @result = sp_getapplock @Resource = %s, "
            "@LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 0; "
            "SELECT @result AS lock_result")


def run_unlock_sql() -> str:
    """Release the session's run lock; parameter: the resource."""
    return ("DECLARE @result INT; EXEC @result = sp_releaseapplock @Resource = %s, "
            "@LockOwner = 'Session'; SELECT @result AS unlock_result")


def record_seen_sql(schema: str) -> str:
    """Add a snapshot batch's keys to ``_sync_seen`` (those already there stay; the run lock
    keeps other writers out). Parameters: object, tenant_id, run_id, keys (a JSON array of
    text: read as NVARCHAR(MAX), since OPENJSON cuts a longer value to a declared length and
    the insert must refuse it instead)."""
    table = MSSQL.table(schema, SYNC_SEEN.name)
    key = Q("record_key")
    return (
        "DECLARE @object NVARCHAR(100) = %s, @tenant_id UNIQUEIDENTIFIER = %s, "  # noqa: S608 - identifiers only
        "@run_id NVARCHAR(250) = %s, @keys NVARCHAR(MAX) = %s;\n"
        f"INSERT INTO {table} ({MSSQL.columns(SYNC_SEEN.names)})\n"
        f"SELECT DISTINCT @object, @tenant_id, k.{key}, @run_id\n"
        f"FROM OPENJSON(@keys) WITH ({key} NVARCHAR(MAX) '$') AS k\n"
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} AS s WHERE s.{Q('object')} = @object "
        f"AND s.{Q('tenant_id')} = @tenant_id AND s.{key} = k.{key})"
    )


def forget_quarantined_sql(schema: str) -> str:
    """Delete the ``_quarantine`` rows of some record keys. Parameters: tenant_id, object,
    keys (a JSON array of text)."""
    key = Q("record_key")
    return (
        "DECLARE @tenant_id UNIQUEIDENTIFIER = %s, @object NVARCHAR(100) = %s, "  # noqa: S608 - identifiers only
        "@keys NVARCHAR(MAX) = %s;\n"
        f"DELETE FROM {MSSQL.table(schema, QUARANTINE.name)}\n"
        f"WHERE {Q('tenant_id')} = @tenant_id AND {Q('object')} = @object AND {key} IN "
        f"(SELECT k.{key} FROM OPENJSON(@keys) WITH ({key} NVARCHAR(MAX) '$') AS k)"
    )


def schema_id_sql() -> str:
    """The schema's id, NULL when missing; parameter: the schema name."""
    return "SELECT SCHEMA_ID(%s)"


def create_schema_sql(schema: str) -> str:
    """``CREATE SCHEMA`` (must be the only statement of its batch)."""
    return f"CREATE SCHEMA {Q(schema)}"


def existing_columns_sql() -> str:
    """A table's columns and their types; parameter: the qualified table name."""
    return ("SELECT c.[name], TYPE_NAME(c.[user_type_id]), c.[max_length], c.[precision], "
            "c.[scale] FROM sys.columns AS c WHERE c.[object_id] = OBJECT_ID(%s) "
            "ORDER BY c.[column_id]")


def primary_key_sql() -> str:
    """The columns of a table's primary key in key order; parameter: the qualified name."""
    return ("SELECT c.[name] FROM sys.indexes AS i JOIN sys.index_columns AS ic "
            "ON ic.[object_id] = i.[object_id] AND ic.[index_id] = i.[index_id] "
            "JOIN sys.columns AS c ON c.[object_id] = ic.[object_id] "
            "AND c.[column_id] = ic.[column_id] "
            "WHERE i.[object_id] = OBJECT_ID(%s) AND i.[is_primary_key] = 1 "
            "ORDER BY ic.[key_ordinal]")


def openjson(spec: TableSpec, names: list[str], variable: str = "@json") -> str:
    """``OPENJSON(@json) WITH (…) AS j``: every named column typed as in the table."""
    columns = ",\n    ".join(f"{Q(name)} {_stage_type(spec.column(name))} '$.\"{name}\"'"
                             for name in names)
    return f"OPENJSON({variable}) WITH (\n    {columns}\n) AS j"


def _stage_type(column: ColumnSpec) -> str:
    if column.type == "string":
        return "NVARCHAR(MAX)"
    return MSSQL.sql_type(column)


def stage_sql(schema: str, mapping: ObjectMapping) -> str:
    """The batch's parent rows → ``#stage``; an empty ``#applied``. Parameter: the JSON."""
    spec = parent_table(mapping)
    key = spec.column(mapping.key_column)
    applied = [f"{Q('action')} NVARCHAR(10) NOT NULL",
               f"{Q('tenant_id')} UNIQUEIDENTIFIER NOT NULL",
               f"{Q(key.name)} {MSSQL.sql_type(key)} NOT NULL",
               f"{Q('is_deleted')} BIT NOT NULL", f"{Q('was_deleted')} BIT NULL"]
    return (
        "DECLARE @json NVARCHAR(MAX) = %s;\n"
        "DROP TABLE IF EXISTS #stage;\n"
        f"SELECT {MSSQL.columns(spec.data_columns, 'j')}\nINTO #stage\n"
        f"FROM {openjson(spec, spec.data_columns)};\n"
        "DROP TABLE IF EXISTS #applied;\n"
        f"CREATE TABLE #applied ({', '.join(applied)})"
    )


def merge_sql(schema: str, mapping: ObjectMapping) -> str:
    """``#stage`` → the table: newer and different rows only. Parameters: loaded_at, run_id."""
    spec = parent_table(mapping)
    compared = compared_columns(mapping)
    on = " AND ".join(f"t.{Q(name)} = s.{Q(name)}" for name in spec.key)
    matched = [_newer(mapping), _differs(compared)]
    sets = ", ".join(f"{Q(name)} = s.{Q(name)}" for name in compared)
    output = ", ".join(_output_columns(mapping))
    return (
        f"{LOAD_VARIABLES}\n"  # noqa: S608 - identifiers only
        f"MERGE INTO {MSSQL.table(schema, spec.name)} WITH (HOLDLOCK) AS t\n"
        f"USING #stage AS s\nON {on}\n"
        f"WHEN MATCHED AND {' AND '.join(m for m in matched if m)} THEN\n"
        f"    UPDATE SET {sets}, {Q('_loaded_at')} = @loaded_at, {Q('_run_id')} = @run_id\n"
        "WHEN NOT MATCHED BY TARGET THEN\n"
        f"    INSERT ({MSSQL.columns(spec.names)})\n"
        f"    VALUES ({MSSQL.columns(spec.data_columns, 's')}, @loaded_at, @run_id)\n"
        f"OUTPUT {output} INTO #applied;"
    )


def _newer(mapping: ObjectMapping) -> str | None:
    if mapping.updated_column is None:
        return None
    new, old = f"s.{Q(mapping.updated_column)}", f"t.{Q(mapping.updated_column)}"
    return f"({new} >= {old} OR {new} IS NULL OR {old} IS NULL)"


def _differs(compared: list[str]) -> str:
    def side(alias: str) -> str:
        return ", ".join(f"{alias}.{Q(name)} COLLATE {BINARY}" if name == "_raw_json"
                         else f"{alias}.{Q(name)}" for name in compared)

    return f"EXISTS (SELECT {side('s')} EXCEPT SELECT {side('t')})"


def _output_columns(mapping: ObjectMapping) -> list[str]:
    return ["$action", f"inserted.{Q('tenant_id')}", f"inserted.{Q(mapping.key_column)}",
            f"inserted.{Q('is_deleted')}", f"deleted.{Q('is_deleted')}"]


def applied_sql(mapping: ObjectMapping) -> str:
    """What the MERGE wrote: action, key, is_deleted now and before."""
    names = [name.format(key=mapping.key_column) for name in _OUTPUT if name != "tenant_id"]
    return f"SELECT {MSSQL.columns(names)} FROM #applied"  # noqa: S608 - identifiers only


def reapply_sql(mapping: ObjectMapping) -> str:
    """Record every ``#stage`` row the MERGE left alone in ``#applied`` as an UPDATE, so the
    next ``replace_children_sql`` replaces its children too (a refill from ``_raw_json``)."""
    key = Q(mapping.key_column)
    names = MSSQL.columns([name.format(key=mapping.key_column) for name in _OUTPUT])
    return (
        f"INSERT INTO #applied ({names})\n"  # noqa: S608 - identifiers only
        f"SELECT N'UPDATE', s.{Q('tenant_id')}, s.{key}, s.{Q('is_deleted')}, "
        f"s.{Q('is_deleted')}\nFROM #stage AS s\n"
        f"WHERE NOT EXISTS (SELECT 1 FROM #applied AS a WHERE a.{Q('tenant_id')} = "
        f"s.{Q('tenant_id')} AND a.{key} = s.{key})"
    )


def touch_sql(schema: str, mapping: ObjectMapping) -> str:
    """Mark stored rows as seen by the run. Parameters: run_id, tenant_id, keys (JSON array)."""
    key = parent_table(mapping).column(mapping.key_column)
    return (
        "DECLARE @run_id NVARCHAR(250) = %s, @tenant_id UNIQUEIDENTIFIER = %s, "  # noqa: S608 - identifiers only
        "@keys NVARCHAR(MAX) = %s;\n"
        f"UPDATE t SET {Q('_run_id')} = @run_id\n"
        f"FROM {MSSQL.table(schema, mapping.table)} AS t\n"
        f"WHERE t.{Q('tenant_id')} = @tenant_id AND t.{Q(key.name)} IN "
        f"(SELECT k.{Q('key')} FROM OPENJSON(@keys) WITH ({Q('key')} {MSSQL.sql_type(key)} '$') "
        f"AS k)\n  AND t.{Q('_run_id')} <> @run_id"
    )


def replace_children_sql(schema: str, mapping: ObjectMapping, child: ChildTable) -> str:
    """Delete the updated parents' rows of one child table (an inserted parent has none),
    insert the batch's. Parameters: the JSON of the applied parents' child rows, loaded_at,
    run_id."""
    spec = child_table(mapping, child)
    table = MSSQL.table(schema, spec.name)
    joined = " AND ".join([f"a.{Q('action')} = N'UPDATE'"] + [
        f"a.{Q(name)} = c.{Q(name)}" for name in ("tenant_id", mapping.key_column)])
    return (
        "DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, "  # noqa: S608 - identifiers only
        "@run_id NVARCHAR(250) = %s;\n"
        f"DELETE c FROM {table} AS c\n"
        f"WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE {joined});\n"
        f"INSERT INTO {table} ({MSSQL.columns(spec.names)})\n"
        f"SELECT {MSSQL.columns(spec.data_columns, 'j')}, @loaded_at, @run_id\n"
        f"FROM {openjson(spec, spec.data_columns)}"
    )


def quarantine_sql(schema: str) -> str:
    """The batch's refused records in one JSON parameter."""
    names = QUARANTINE.names
    return (f"INSERT INTO {MSSQL.table(schema, QUARANTINE.name)} ({MSSQL.columns(names)})\n"
            f"SELECT {MSSQL.columns(names, 'j')}\n"
            f"FROM {openjson(QUARANTINE, names, '%s')}")


def save_state_sql(schema: str) -> str:
    """Merge one ``_sync_state`` row; watermarks become the greater of stored and new.
    Parameters: object, tenant_id, watermark_ts, watermark_int, last_run_id, updated_at."""
    source = ", ".join(f"CAST(%s AS {MSSQL.sql_type(c)}) AS {Q(c.name)}"
                       for c in SYNC_STATE.columns)
    sets = [f"{Q(n)} = {_greatest(n)}" for n in ("watermark_ts", "watermark_int")]
    sets += [f"{Q(n)} = s.{Q(n)}" for n in ("last_run_id", "updated_at")]
    return (
        f"MERGE INTO {MSSQL.table(schema, SYNC_STATE.name)} WITH (HOLDLOCK) AS t\n"  # noqa: S608 - identifiers only
        f"USING (SELECT {source}) AS s\n"
        f"ON t.{Q('object')} = s.{Q('object')} AND t.{Q('tenant_id')} = s.{Q('tenant_id')}\n"
        f"WHEN MATCHED THEN UPDATE SET {', '.join(sets)}\n"
        f"WHEN NOT MATCHED THEN INSERT ({MSSQL.columns(SYNC_STATE.names)}) "
        f"VALUES ({MSSQL.columns(SYNC_STATE.names, 's')});"
    )


def _greatest(name: str) -> str:
    new, old = f"s.{Q(name)}", f"t.{Q(name)}"
    return f"CASE WHEN {old} IS NULL OR {new} > {old} THEN COALESCE({new}, {old}) ELSE {old} END"


def mapping_statements(schema: str, mapping: ObjectMapping) -> dict[str, str]:
    """Every statement a mapping's loads run, by name (the golden files' names)."""
    key = parent_table(mapping).column(mapping.key_column)
    statements = {
        f"create_{spec.name}": create_table(MSSQL, schema, spec)
        for spec in mapping_tables(mapping)
    }
    statements.update({
        "stage": stage_sql(schema, mapping),
        "merge": merge_sql(schema, mapping),
        "applied": applied_sql(mapping),
        "touch": touch_sql(schema, mapping),
        "mark_missing_deleted": mark_missing_sql(MSSQL, schema, mapping.table, key),
        "refill_tenants": tenants_sql(MSSQL, schema, mapping.table),
        "refill_first_page": raw_page_sql(MSSQL, schema, mapping.table, key, first=True),
        "refill_next_page": raw_page_sql(MSSQL, schema, mapping.table, key, first=False),
        "refill_reapply": reapply_sql(mapping),
    })
    for child in mapping.all_children():
        statements[f"replace_{child.table}"] = replace_children_sql(schema, mapping, child)
    return statements


def control_statements(schema: str) -> dict[str, str]:
    """The statements that do not depend on a mapping, by name."""
    statements = {f"create{spec.name}": create_table(MSSQL, schema, spec)
                  for spec in CONTROL_TABLES}
    statements.update({
        "session": session_sql(), "ddl_lock": ddl_lock_sql(), "schema_id": schema_id_sql(),
        "create_schema": create_schema_sql(schema), "existing_columns": existing_columns_sql(),
        "primary_key": primary_key_sql(),
        "read_state": select_state_sql(MSSQL, schema), "save_state": save_state_sql(schema),
        "insert_quarantine": quarantine_sql(schema),
        "record_run": insert_sql(MSSQL, schema, SYNC_RUNS),
    })
    statements.update({  # one run at a time, snapshots' seen keys, quarantine retries, resets
        "run_lock": run_lock_sql(), "run_unlock": run_unlock_sql(),
        "lock_holder": lock_holder_sql(MSSQL, schema),
        "claim_lock_holder": insert_sql(MSSQL, schema, SYNC_LOCKS),
        "clear_lock_holder": clear_lock_holder_sql(MSSQL, schema),
        "record_seen": record_seen_sql(schema), "clear_seen": clear_seen_sql(MSSQL, schema),
        "forget_quarantined": forget_quarantined_sql(schema),
        "quarantined_key": quarantined_key_sql(MSSQL, schema),
        "quarantine_first_page": quarantine_page_sql(MSSQL, schema, first=True),
        "quarantine_next_page": quarantine_page_sql(MSSQL, schema, first=False),
        "count_quarantine": count_quarantine_sql(MSSQL, schema),
        "reset_state": reset_state_sql(MSSQL, schema),
        "insert_state": insert_sql(MSSQL, schema, SYNC_STATE),
    })
    statements.update(webhook_event_statements(schema))  # warehouse/events.py
    return statements

