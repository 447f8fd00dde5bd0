"""``python -m xero_sync.state reset``: move an object's watermark, back as well as forward.

Loads only ever move a watermark forward, so an operator's reset is its own statement
(``Warehouse.reset_watermark``). Without ``--to`` the watermark is cleared and the next run
reads every record again (incrementally: nothing is marked deleted); with ``--to`` it reads
what changed since then (less the usual overlap). A JournalNumber is given for ``journals``.
The reset takes the object's run lock, so it never interleaves with a running sync, whose
last commit would otherwise move the watermark forward again.

The warehouse is the Airflow connection ``xero_warehouse`` (read as ``python -m
xero_sync.auth`` reads it), or ``--warehouse-uri``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from xero_sync.errors import ConfigurationError, XeroSyncError
from xero_sync.mapping import PROJECT_MAPPINGS, ObjectMapping, usable_mappings

DEFAULT_WAREHOUSE_CONN_ID = "xero_warehouse"
MAPPINGS = PROJECT_MAPPINGS


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m xero_sync.state", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    reset = commands.add_parser("reset", help="reset one object's watermark for one "
                                              "organisation")
    reset.add_argument("--object", required=True, help="the mapping's name, e.g. invoices")
    reset.add_argument("--tenant", required=True, help="the organisation's tenant id")
    reset.add_argument("--to", default=None,
                       help="an ISO-8601 UTC time such as 2026-01-01T00:00:00Z (a JournalNumber "
                            "for journals); omitted: clear it, so the next run reads everything")
    reset.add_argument("--wait", type=float, default=60.0,
                       help="seconds to wait for a running sync of the object (default "
                            "%(default)s)")
    reset.add_argument("--warehouse-conn-id", default=DEFAULT_WAREHOUSE_CONN_ID,
                       help="Airflow connection of the warehouse (default %(default)s)")
    reset.add_argument("--warehouse-uri", default=os.environ.get("XERO_SYNC_WAREHOUSE_URI"),
                       help="e.g. sqlite:////tmp/xero.db (env XERO_SYNC_WAREHOUSE_URI)")
    reset.add_argument("--schema", default="xero", help="warehouse schema (default xero)")
    reset.add_argument("--mappings", type=Path, default=MAPPINGS,
                       help="the mapping files, to check --object (default %(default)s)")
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run one command; 0 on success, 1 with a message naming the fix otherwise."""
    args = build_parser().parse_args(argv)
    out = out or sys.stdout
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    try:
        return reset(args, out)
    except XeroSyncError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def reset(args: argparse.Namespace, out: TextIO) -> int:
    """Reset the watermark under the object's run lock and say what it was and is."""
    from xero_sync.auth.connections import warehouse_target
    from xero_sync.warehouse.factory import open_warehouse

    mapping = _mapping(args.mappings, args.object)
    tenant = args.tenant.strip().lower()
    stamp, number = parse_target(args.to, mapping)
    now = datetime.now(UTC)
    run_id = f"watermark reset {now:%Y-%m-%dT%H:%M:%SZ}"
    warehouse = open_warehouse(warehouse_target(args.warehouse_conn_id, args.warehouse_uri),
                               args.schema)
    try:
        with warehouse.run_lock(mapping.name, tenant, run_id, timedelta(seconds=args.wait)):
            before = warehouse.read_state(mapping, tenant)
            changed = warehouse.reset_watermark(mapping.name, tenant, stamp, number, run_id)
            after = warehouse.read_state(mapping, tenant)
    finally:
        warehouse.close()
    if not changed:
        print(f"{mapping.name} for {tenant}: no watermark stored; the next run reads every "
              "record anyway", file=out)
        return 0
    was = _describe(before.watermark_ts, before.watermark_int)
    now_is = _describe(after.watermark_ts, after.watermark_int)
    print(f"{mapping.name} for {tenant}: watermark was {was}, now {now_is}", file=out)
    return 0


def parse_target(value: str | None, mapping: ObjectMapping) -> tuple[datetime | None,
                                                                       int | None]:
    """``--to`` as (naive-UTC time, None), or (None, JournalNumber) for ``journals``."""
    if value is None:
        return None, None
    if mapping.strategy == "journals":
        try:
            return None, int(value)
        except ValueError:
            raise ConfigurationError(
                f"--to {value!r}: {mapping.name} keeps a JournalNumber as its watermark; give "
                "a whole number (or omit --to to read every journal again)") from None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ConfigurationError(
            f"--to {value!r} is not an ISO-8601 time; give one such as 2026-01-01T00:00:00Z "
            "(UTC), or omit --to to read every record again") from None
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:  # 0001-01-01T00:00:00+14:00 is before year 1 in UTC
            raise ConfigurationError(
                f"--to {value!r} is outside the years 1 to 9999 in UTC; give a time such as "
                "2026-01-01T00:00:00Z") from None
    return moment, None


def _mapping(directory: Path, name: str) -> ObjectMapping:
    """The object's mapping; another broken file in the directory does not matter here."""
    mappings = {m.name: m for m in usable_mappings(directory, {name})}
    if name not in mappings:
        raise ConfigurationError(
            f"--object {name!r} is not a mapping in {directory}; one of: "
            f"{', '.join(sorted(mappings))}")
    return mappings[name]


def _describe(stamp: datetime | None, number: int | None) -> str:
    if number is not None:
        return f"journal {number}"
    return "none (reads everything)" if stamp is None else f"{stamp:%Y-%m-%d %H:%M:%S} UTC"


if __name__ == "__main__":
    raise SystemExit(main())
