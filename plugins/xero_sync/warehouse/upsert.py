"""``INSERT … ON CONFLICT … DO UPDATE … WHERE`` text shared by PostgreSQL and SQLite.

Both dialects spell the upsert the same way; they differ only in how the stored row is named
inside ``DO UPDATE`` (PostgreSQL takes an alias, SQLite the table's name).
"""

from __future__ import annotations

from collections.abc import Sequence

from xero_sync.dates import MAX_CLOCK_SKEW
from xero_sync.warehouse.dialect import Dialect

# The staged row wins unless the stored one is newer; a stored change time more than the
# clock skew past this load's time (``_loaded_at``, Xero's clock) is bad data (9999-12-31, a
# clock far ahead) and never wins, or Xero's correction of the record could never land.
NEWER_WINS = "({new} >= {old} OR {new} IS NULL OR {old} IS NULL OR {old} > {ceiling})"
FUTURE_SECONDS = int(MAX_CLOCK_SKEW.total_seconds())


def not_older(dialect: Dialect, column: str | None, new: str, old: str) -> str | None:
    """The guard "the staged row is not older": a missing timestamp cannot prove it is, nor
    can one stamped beyond Xero's clock (``NEWER_WINS``)."""
    if column is None:
        return None
    name, loaded = dialect.quote(column), f"{new}.{dialect.quote('_loaded_at')}"
    ceiling = (f"strftime('%Y-%m-%d %H:%M:%f', {loaded}, '+{FUTURE_SECONDS} seconds')"
               if dialect.name == "sqlite" else f"{loaded} + INTERVAL '{FUTURE_SECONDS} seconds'")
    return NEWER_WINS.format(new=f"{new}.{name}", old=f"{old}.{name}", ceiling=ceiling)


def greatest(dialect: Dialect, column: str, new: str, old: str) -> str:
    """The greater of stored and new, ignoring a NULL on either side (watermarks)."""
    name = dialect.quote(column)
    n, o = f"{new}.{name}", f"{old}.{name}"
    return f"CASE WHEN {o} IS NULL OR {n} > {o} THEN COALESCE({n}, {o}) ELSE {o} END"


def on_conflict(dialect: Dialect, key: Sequence[str], assignments: Sequence[str],
                where: Sequence[str] = ()) -> str:
    """``ON CONFLICT (key) DO UPDATE SET … [WHERE …]``."""
    text = (f"ON CONFLICT ({dialect.columns(list(key))}) DO UPDATE SET "
            + ", ".join(assignments))
    if where:
        text += " WHERE " + " AND ".join(where)
    return text


def state_upsert(dialect: Dialect, table: str, old: str) -> str:
    """Merge one ``_sync_state`` row: watermarks never move back; ``old`` names the stored
    row (an alias of ``table`` in PostgreSQL, the table itself in SQLite)."""
    names = ["object", "tenant_id", "watermark_ts", "watermark_int", "last_run_id",
             "updated_at"]
    alias = f" AS {old}" if old != table else ""
    q = dialect.quote
    assignments = [f"{q(name)} = {greatest(dialect, name, 'excluded', old)}"
                   for name in ("watermark_ts", "watermark_int")]
    assignments += [f"{q(name)} = excluded.{q(name)}" for name in ("last_run_id", "updated_at")]
    return (f"INSERT INTO {table}{alias} ({dialect.columns(names)}) "  # noqa: S608 - identifiers only
            f"VALUES ({dialect.markers(len(names))}) "
            + on_conflict(dialect, ["object", "tenant_id"], assignments))
