"""The T-SQL of a SQL Server load, generated from a mapping (kept as golden files in tests).

A batch travels as ONE JSON parameter per table: ``OPENJSON(@json) WITH (…)`` types every
column on the server, so there is one round trip per table whatever the batch size, no
2,100-parameter limit and no client-side string building of values. pymssql interpolates
parameters client-side as quoted literals; the JSON is ASCII (``\\uXXXX`` escapes), so no
character can be lost to a connection charset on the way.

Staging keeps bounded text as NVARCHAR(MAX): OPENJSON silently cuts a value longer than its
declared type, while the write into the NVARCHAR(n) column fails loudly (ANSI_WARNINGS, set
per transaction below) and the batch is rolled back instead of stored shortened.

The upsert is separate statements, not MERGE (design decision 5): MERGE has a long record of
wrong results and concurrency bugs in SQL Server, several closed "won't fix", and the
practitioners most cited on it (Aaron Bertrand, Michael J. Swart, Paul White) advise separate
statements under explicit locks; Babelfish, the T-SQL engine the tests run on, rejects it.
``#stage`` holds the batch, one row per key. Two INSERT … SELECT statements decide into
``#applied``, reading the target ``WITH (UPDLOCK, HOLDLOCK)`` so the decision holds until the
commit: the stored rows to update (the staged one is not older and differs:
``EXISTS (SELECT s.… EXCEPT SELECT t.…)`` is the NULL-safe comparison, with ``_raw_json`` under
a binary collation because the database's default may ignore case and trailing spaces) and
the keys to insert (NOT EXISTS). Then one UPDATE … FROM and one INSERT … SELECT apply exactly
``#applied``, and the children of exactly those parents are replaced. Before all of it the
transaction takes ``sp_getapplock`` on the table and organisation (``load_lock_sql``): on SQL
Server the hints alone would do, but Babelfish accepts them and takes no lock, and the
application lock serialises writers on both engines.
"""

from __future__ import annotations

import re

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
from xero_sync.warehouse.upsert import FUTURE_SECONDS, NEWER_WINS

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


def run_lock_sql(timeout_ms: int = 0) -> str:
    """Try the run lock, waiting at most ``timeout_ms`` (0: not at all): an exclusive
    application lock owned by the session, so it outlives the run's transactions and ends
    with its connection. Parameter: the resource. Returns sp_getapplock's code (0 granted;
    SQL Server -1, Babelfish -999 when another session holds it)."""
    return ("DECLARE @result INT; EXEC @result = sp_getapplock @Resource = %s, "
            f"@LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = {int(timeout_ms)}; "
            "SELECT @result AS lock_result")


def run_unlock_sql() -> str:
    """Release the session's run lock; parameter: the resource."""
    return ("DECLARE @result INT; EXEC @result = sp_releaseapplock @Resource = %s, "
            "@LockOwner = 'Session'; SELECT @result AS unlock_result")


def record_seen_sql(schema: str, controls: bool = False) -> str:
    """Add a snapshot batch's keys to ``_sync_seen`` (those already there stay; the run lock
    keeps other writers out). Parameters: object, tenant_id, run_id, keys (a JSON array of
    text: read as NVARCHAR(MAX), since OPENJSON cuts a longer value to a declared length and
    the insert must refuse it instead); ``controls`` as for ``stage_sql``."""
    table = MSSQL.table(schema, SYNC_SEEN.name)
    key = Q("record_key")
    return (
        "DECLARE @object NVARCHAR(100) = %s, @tenant_id UNIQUEIDENTIFIER = %s, "  # noqa: S608 - identifiers only
        f"@run_id NVARCHAR(250) = %s, @keys NVARCHAR(MAX) = %s;\n{JSON_PROBE}\n"
        f"INSERT INTO {table} ({MSSQL.columns(SYNC_SEEN.names)})\n"
        f"SELECT DISTINCT @object, @tenant_id, k.{key}, @run_id\n"
        f"FROM (SELECT {json_text('j.' + key, controls)} AS {key}\n"
        f"      FROM OPENJSON(@keys) WITH ({key} NVARCHAR(MAX) '$') AS j) AS k\n"
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} AS s WHERE s.{Q('object')} = @object "
        f"AND s.{Q('tenant_id')} = @tenant_id AND s.{key} = k.{key})"
    )


def forget_quarantined_sql(schema: str, controls: bool = False) -> str:
    """Delete the ``_quarantine`` rows of some record keys. Parameters: tenant_id, object,
    keys (a JSON array of text); ``controls`` as for ``stage_sql``."""
    key = Q("record_key")
    return (
        "DECLARE @tenant_id UNIQUEIDENTIFIER = %s, @object NVARCHAR(100) = %s, "  # noqa: S608 - identifiers only
        f"@keys NVARCHAR(MAX) = %s;\n{JSON_PROBE}\n"
        f"DELETE FROM {MSSQL.table(schema, QUARANTINE.name)}\n"
        f"WHERE {Q('tenant_id')} = @tenant_id AND {Q('object')} = @object AND {key} IN "
        f"(SELECT {json_text('k.' + key, controls)} "
        f"FROM OPENJSON(@keys) WITH ({key} NVARCHAR(MAX) '$') AS k)"
    )


def schema_id_sql() -> str:
    """The schema's id, NULL when missing; parameter: the schema name."""
    return "SELECT SCHEMA_ID(%s)"


def create_schema_sql(schema: str) -> str:
    """``CREATE SCHEMA`` (must be the only statement of its batch)."""
    return f"CREATE SCHEMA {Q(schema)}"


def existing_columns_sql() -> str:
    """A table's columns and their types in order; parameters: schema, table.

    INFORMATION_SCHEMA, not sys.columns with TYPE_NAME: the same answer on SQL Server, and
    Babelfish compiles it in a quarter of the time (0.25 s instead of 1.0 s on a connection's
    first use, which every task's table check pays)."""
    return ("SELECT [COLUMN_NAME], [DATA_TYPE], [CHARACTER_MAXIMUM_LENGTH], [NUMERIC_PRECISION], "
            "[NUMERIC_SCALE], [DATETIME_PRECISION] FROM INFORMATION_SCHEMA.COLUMNS "
            "WHERE [TABLE_SCHEMA] = %s AND [TABLE_NAME] = %s ORDER BY [ORDINAL_POSITION]")


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


# Babelfish 4.4 returns a JSON string from OPENJSON and JSON_VALUE still escaped as JSON
# (\" \\ \n \r \t \b \f, \u00XX for other control characters; \uXXXX of other characters is
# decoded); SQL Server decodes every escape, as the JSON standard says. The probe asks the
# engine which it does, so the same statement is right on both: on SQL Server @json_escaped
# is 0 and every text column is taken as OPENJSON returns it (the decoding below is never
# evaluated); on Babelfish the escapes are decoded, and the probe turns it off by itself once
# Babelfish decodes them.
JSON_PROBE = ("DECLARE @json_escaped BIT = CASE WHEN JSON_VALUE(N'[\"\\\\\"]', '$[0]') = N'\\' "
              "THEN 0 ELSE 1 END;")
_SHORT_ESCAPES = (('\\"', "N'\"'"), ("\\n", "NCHAR(10)"), ("\\r", "NCHAR(13)"),
                  ("\\t", "NCHAR(9)"), ("\\b", "NCHAR(8)"), ("\\f", "NCHAR(12)"))
_BACKSLASH, _ONE = "NCHAR(1) + NCHAR(3)", "NCHAR(1) + NCHAR(2)"
TEXT_TYPES = ("string", "json")  # the column types OPENJSON reads as text
# How JSON (Python's json.dumps included) escapes a control character that has no short
# escape: \u0000 to \u001f. A payload without this pattern needs no \u00XX decoding.
_CONTROL_ESCAPE = re.compile(r"\\u00[01][0-9a-fA-F]")


def has_control_escapes(payload: str) -> bool:
    """Whether a JSON payload may hold a ``\\u00XX`` control-character escape, so its
    statement must be the ``controls=True`` form. A literal backslash followed by ``u0001``
    also matches (the longer form decodes it right too); no control character escapes it.

    Why two forms: every new Babelfish connection is a new server process, which parses its
    first statements slowly, the more so the deeper they nest (about 5 ms per nested
    REPLACE, 0.6 ms per flat one). The ``\\u00XX`` escapes take 34 of a text column's 42
    nested REPLACEs; control characters other than tab, newline and the like are rare in
    accounting data, so the usual statement leaves them out and compiles in under half the
    time (an invoice's staging statement: 2.1 s → 0.9 s on first use per connection). On
    SQL Server both forms mean the same: neither decodes anything there."""
    return _CONTROL_ESCAPE.search(payload) is not None


def json_text(expression: str, controls: bool = True) -> str:
    """A text value read by OPENJSON, decoded where the engine left it escaped (JSON_PROBE).

    An escaped value holds no control character (they are all escaped), so ``\\\\`` is first
    set aside as two control characters; every backslash left then starts an escape, decoded
    in turn; with ``controls``, also the ``\\u00XX`` of control characters, when the value
    has any (each REPLACE reads the whole value); ``\\u0001`` becomes a pair too, since
    NCHAR(1) marks the pairs. Without ``controls`` the value must hold no such escape
    (``has_control_escapes``). Binary collation: a linguistic one may ignore control
    characters when REPLACE compares."""
    decoded = f"REPLACE({expression} COLLATE {BINARY}, N'\\\\', {_BACKSLASH})"
    for escape, character in _SHORT_ESCAPES:
        decoded = f"REPLACE({decoded}, N'{escape}', {character})"
    if controls:
        escaped = decoded
        for code in (c for c in range(2, 32) if c not in (8, 9, 10, 12, 13)):
            escaped = f"REPLACE({escaped}, N'\\u{code:04x}', NCHAR({code}))"
        escaped = f"REPLACE({escaped}, N'\\u0001', {_ONE})"
        either = (f"CASE WHEN CHARINDEX(N'\\u00', {expression}) > 0 THEN {escaped} "
                  f"ELSE {decoded} END")
        decoded = f"REPLACE(REPLACE({either}, {_BACKSLASH}, N'\\'), {_ONE}, NCHAR(1))"
    else:
        decoded = f"REPLACE({decoded}, {_BACKSLASH}, N'\\')"
    return (f"CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\\', {expression}) > 0 "
            f"THEN {decoded} COLLATE DATABASE_DEFAULT ELSE {expression} END")


def json_columns(spec: TableSpec, names: list[str], alias: str = "j",
                 controls: bool = True) -> str:
    """The OPENJSON columns ``names`` as a select list, text decoded (``json_text``)."""
    def column(name: str) -> str:
        reference = f"{alias}.{Q(name)}"
        if spec.column(name).type not in TEXT_TYPES:
            return reference
        return f"{json_text(reference, controls)} AS {Q(name)}"

    return ",\n       ".join(column(name) for name in names)


def load_lock_sql() -> str:
    """Taken right after a load's transaction begins: an exclusive application lock on the
    table and organisation (parameter: the resource), owned by the transaction, so COMMIT or
    ROLLBACK releases it. It is what serialises two writers of overlapping keys on Babelfish,
    which accepts ``UPDLOCK, HOLDLOCK`` and takes no lock; on SQL Server it makes the hints'
    range locks uncontended. The run lock (one run per object and organisation) stays: this
    one also covers refills and loads outside a run."""
    return ddl_lock_sql()


def stage_sql(schema: str, mapping: ObjectMapping, controls: bool = False) -> str:
    """The batch's parent rows → ``#stage``; an empty ``#applied``. Parameter: the JSON;
    ``controls`` when it has control-character escapes (``has_control_escapes``)."""
    spec = parent_table(mapping)
    key = spec.column(mapping.key_column)
    applied = [f"{Q('action')} NVARCHAR(10) NOT NULL",
               f"{Q('tenant_id')} UNIQUEIDENTIFIER NOT NULL",
               f"{Q(key.name)} {MSSQL.sql_type(key)} NOT NULL",
               f"{Q('is_deleted')} BIT NOT NULL", f"{Q('was_deleted')} BIT NULL"]
    return (
        f"DECLARE @json NVARCHAR(MAX) = %s;\n{JSON_PROBE}\n"
        "DROP TABLE IF EXISTS #stage;\n"
        f"SELECT {json_columns(spec, spec.data_columns, controls=controls)}\nINTO #stage\n"
        f"FROM {openjson(spec, spec.data_columns)};\n"
        "DROP TABLE IF EXISTS #applied;\n"
        f"CREATE TABLE #applied ({', '.join(applied)})"
    )


def upsert_sql(schema: str, mapping: ObjectMapping) -> str:
    """``#stage`` → the table, newer and different rows only, as separate statements (module
    docstring): decide into ``#applied`` under the target's locks, then UPDATE and INSERT
    exactly what was decided. Parameters: loaded_at, run_id."""
    spec = parent_table(mapping)
    table = MSSQL.table(schema, spec.name)
    compared = compared_columns(mapping)
    key = mapping.key_column
    matched = " AND ".join(f"t.{Q(name)} = s.{Q(name)}" for name in spec.key)
    decided = [_newer(mapping), _differs(compared)]
    names = MSSQL.columns([name.format(key=key) for name in _OUTPUT])
    sets = ",\n    ".join(f"{Q(name)} = s.{Q(name)}" for name in compared)
    applied = (f"JOIN #applied AS a ON a.{Q('tenant_id')} = s.{Q('tenant_id')} "
               f"AND a.{Q(key)} = s.{Q(key)} AND a.{Q('action')} = ")
    return (
        f"{LOAD_VARIABLES}\n"  # noqa: S608 - identifiers only
        f"INSERT INTO #applied ({names})\n"
        f"SELECT N'UPDATE', s.{Q('tenant_id')}, s.{Q(key)}, s.{Q('is_deleted')}, "
        f"t.{Q('is_deleted')}\n"
        f"FROM #stage AS s\nJOIN {table} AS t WITH (UPDLOCK, HOLDLOCK) ON {matched}\n"
        f"WHERE {' AND '.join(d for d in decided if d)};\n"
        f"INSERT INTO #applied ({names})\n"
        f"SELECT N'INSERT', s.{Q('tenant_id')}, s.{Q(key)}, s.{Q('is_deleted')}, NULL\n"
        f"FROM #stage AS s\n"
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} AS t WITH (UPDLOCK, HOLDLOCK) "
        f"WHERE {matched});\n"
        f"UPDATE t SET\n    {sets},\n"
        f"    {Q('_loaded_at')} = @loaded_at, {Q('_run_id')} = @run_id\n"
        f"FROM {table} AS t\nJOIN #stage AS s ON {matched}\n{applied}N'UPDATE';\n"
        f"INSERT INTO {table} ({MSSQL.columns(spec.names)})\n"
        f"SELECT {MSSQL.columns(spec.data_columns, 's')}, @loaded_at, @run_id\n"
        f"FROM #stage AS s\n{applied}N'INSERT';"
    )


def _newer(mapping: ObjectMapping) -> str | None:
    if mapping.updated_column is None:
        return None
    new, old = f"s.{Q(mapping.updated_column)}", f"t.{Q(mapping.updated_column)}"
    ceiling = f"DATEADD(SECOND, {FUTURE_SECONDS}, @loaded_at)"  # upsert.NEWER_WINS says why
    return NEWER_WINS.format(new=new, old=old, ceiling=ceiling)


def _differs(compared: list[str]) -> str:
    def side(alias: str) -> str:
        return ", ".join(f"{alias}.{Q(name)} COLLATE {BINARY}" if name == "_raw_json"
                         else f"{alias}.{Q(name)}" for name in compared)

    return f"EXISTS (SELECT {side('s')} EXCEPT SELECT {side('t')})"


def applied_sql(mapping: ObjectMapping) -> str:
    """What the upsert wrote: action, key, is_deleted now and before."""
    names = [name.format(key=mapping.key_column) for name in _OUTPUT if name != "tenant_id"]
    return f"SELECT {MSSQL.columns(names)} FROM #applied"  # noqa: S608 - identifiers only


def reapply_sql(mapping: ObjectMapping) -> str:
    """Record every ``#stage`` row the upsert left alone in ``#applied`` as an UPDATE, so the
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
    text = key.type in TEXT_TYPES
    read = json_text(f"k.{Q('key')}") if text else f"k.{Q('key')}"
    return (
        "DECLARE @run_id NVARCHAR(250) = %s, @tenant_id UNIQUEIDENTIFIER = %s, "  # noqa: S608 - identifiers only
        f"@keys NVARCHAR(MAX) = %s;\n{JSON_PROBE if text else ''}"
        f"{chr(10) if text else ''}UPDATE t SET {Q('_run_id')} = @run_id\n"
        f"FROM {MSSQL.table(schema, mapping.table)} AS t\n"
        f"WHERE t.{Q('tenant_id')} = @tenant_id AND t.{Q(key.name)} IN "
        f"(SELECT {read} FROM OPENJSON(@keys) WITH ({Q('key')} {_stage_type(key)} '$') "
        f"AS k)\n  AND t.{Q('_run_id')} <> @run_id"
    )


def replace_children_sql(schema: str, mapping: ObjectMapping, child: ChildTable,
                         controls: bool = False) -> str:
    """Delete the updated parents' rows of one child table (an inserted parent has none),
    insert the batch's. Parameters: the JSON of the applied parents' child rows, loaded_at,
    run_id; ``controls`` as for ``stage_sql``."""
    spec = child_table(mapping, child)
    table = MSSQL.table(schema, spec.name)
    joined = " AND ".join([f"a.{Q('action')} = N'UPDATE'"] + [
        f"a.{Q(name)} = c.{Q(name)}" for name in ("tenant_id", mapping.key_column)])
    return (
        "DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, "  # noqa: S608 - identifiers only
        f"@run_id NVARCHAR(250) = %s;\n{JSON_PROBE}\n"
        f"DELETE c FROM {table} AS c\n"
        f"WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE {joined});\n"
        f"INSERT INTO {table} ({MSSQL.columns(spec.names)})\n"
        f"SELECT {json_columns(spec, spec.data_columns, controls=controls)}, "
        "@loaded_at, @run_id\n"
        f"FROM {openjson(spec, spec.data_columns)}"
    )


def quarantine_sql(schema: str) -> str:
    """The batch's refused records in one JSON parameter."""
    names = QUARANTINE.names
    return (f"DECLARE @json NVARCHAR(MAX) = %s;\n{JSON_PROBE}\n"
            f"INSERT INTO {MSSQL.table(schema, QUARANTINE.name)} ({MSSQL.columns(names)})\n"
            f"SELECT {json_columns(QUARANTINE, names)}\n"
            f"FROM {openjson(QUARANTINE, names)}")


def save_state_sql(schema: str) -> str:
    """Upsert one ``_sync_state`` row; watermarks become the greater of stored and new.
    Parameters: object, tenant_id, watermark_ts, watermark_int, last_run_id, updated_at.

    UPDATE, then INSERT when no row was there (no MERGE: module docstring). The UPDATE's
    ``UPDLOCK, HOLDLOCK`` keeps the key range locked on SQL Server even when no row exists, so
    no other writer can insert between the two; on Babelfish the load's application lock and
    the run lock serialise the writers of a state row."""
    table = MSSQL.table(schema, SYNC_STATE.name)
    declared = ", ".join(f"@{c.name} {MSSQL.sql_type(c)} = %s" for c in SYNC_STATE.columns)
    sets = [f"{Q(n)} = {_greatest(n)}" for n in ("watermark_ts", "watermark_int")]
    sets += [f"{Q(n)} = @{n}" for n in ("last_run_id", "updated_at")]
    names = SYNC_STATE.names
    return (
        f"DECLARE {declared};\n"  # noqa: S608 - identifiers only
        f"UPDATE t SET {', '.join(sets)}\n"
        f"FROM {table} AS t WITH (UPDLOCK, HOLDLOCK)\n"
        f"WHERE t.{Q('object')} = @object AND t.{Q('tenant_id')} = @tenant_id;\n"
        f"IF @@ROWCOUNT = 0\n"
        f"    INSERT INTO {table} ({MSSQL.columns(names)}) "
        f"VALUES ({', '.join('@' + n for n in names)});"
    )


def _greatest(name: str) -> str:
    new, old = f"@{name}", f"t.{Q(name)}"
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
        "stage_controls": stage_sql(schema, mapping, controls=True),
        "upsert": upsert_sql(schema, mapping),
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
        statements[f"replace_{child.table}_controls"] = replace_children_sql(
            schema, mapping, child, controls=True)
    return statements


def control_statements(schema: str) -> dict[str, str]:
    """The statements that do not depend on a mapping, by name."""
    statements = {f"create{spec.name}": create_table(MSSQL, schema, spec)
                  for spec in CONTROL_TABLES}
    statements.update({
        "session": session_sql(), "ddl_lock": ddl_lock_sql(), "load_lock": load_lock_sql(),
        "schema_id": schema_id_sql(),
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
        "record_seen_controls": record_seen_sql(schema, controls=True),
        "forget_quarantined": forget_quarantined_sql(schema),
        "forget_quarantined_controls": forget_quarantined_sql(schema, controls=True),
        "quarantined_key": quarantined_key_sql(MSSQL, schema),
        "quarantine_first_page": quarantine_page_sql(MSSQL, schema, first=True),
        "quarantine_next_page": quarantine_page_sql(MSSQL, schema, first=False),
        "count_quarantine": count_quarantine_sql(MSSQL, schema),
        "reset_state": reset_state_sql(MSSQL, schema),
        "insert_state": insert_sql(MSSQL, schema, SYNC_STATE),
    })
    statements.update(webhook_event_statements(schema))  # warehouse/events.py
    from xero_sync.warehouse.snapshots import tsql_statements as snapshot_statements

    statements.update({f"report_snapshot_{name}": sql  # warehouse/snapshots.py
                       for name, sql in snapshot_statements(schema).items()})
    return statements

