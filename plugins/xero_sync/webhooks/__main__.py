"""``python -m xero_sync.webhooks``: the webhook receiver, and what its events look like.

    python -m xero_sync.webhooks serve --host 0.0.0.0 --port 8090
    python -m xero_sync.webhooks status

``serve`` needs the webhook signing key of the Xero app (developer portal → Webhooks) in
``XERO_WEBHOOK_KEY``. Events go to the warehouse of the Airflow connection ``xero_warehouse``
(read as ``python -m xero_sync.auth`` reads it: ``AIRFLOW_CONN_XERO_WAREHOUSE`` or Airflow's
metadata database), or, outside Airflow, to ``--warehouse-uri`` / ``XERO_SYNC_WAREHOUSE_URI``
(e.g. ``sqlite:////srv/xero/warehouse.db``, ``mssql://user:password@host:1433/xero``). Only the
categories a mapping declares (``webhooks:`` in ``include/mappings/*.yaml``) are stored.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from xero_sync.errors import ConfigurationError, XeroSyncError

if TYPE_CHECKING:
    from xero_sync.warehouse.dbapi import WarehouseTarget
    from xero_sync.warehouse.sqlbase import SqlWarehouse

KEY_VARIABLE = "XERO_WEBHOOK_KEY"
DEFAULT_WAREHOUSE_CONN_ID = "xero_warehouse"
MAPPINGS = Path(__file__).resolve().parents[3] / "include" / "mappings"


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m xero_sync.webhooks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="receive Xero's webhooks (key in "
                                              f"{KEY_VARIABLE})")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default %(default)s; 0.0.0.0 in a "
                            "container behind the TLS proxy)")
    serve.add_argument("--port", type=int, default=8090, help="default %(default)s")
    serve.add_argument("--path", default="/webhooks/xero",
                       help="the URL path Xero posts to (default %(default)s)")
    serve.add_argument("--max-body-bytes", type=int, default=1_048_576,
                       help="larger bodies are refused unread (default %(default)s)")
    serve.add_argument("--mappings", type=Path, default=MAPPINGS,
                       help="the mapping files: which categories to store (default "
                            "%(default)s)")
    status = commands.add_parser("status", help="events received, processed and pending per "
                                                "organisation")
    for command in (serve, status):
        command.add_argument("--warehouse-conn-id", default=DEFAULT_WAREHOUSE_CONN_ID,
                             help="Airflow connection of the warehouse (default %(default)s)")
        command.add_argument("--warehouse-uri",
                             default=os.environ.get("XERO_SYNC_WAREHOUSE_URI"),
                             help="the warehouse outside Airflow, e.g. sqlite:////tmp/xero.db "
                                  "(env XERO_SYNC_WAREHOUSE_URI)")
        command.add_argument("--schema", default="xero", help="warehouse schema (default xero)")
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run one command; 0 on success, 1 with a message naming the fix otherwise."""
    args = build_parser().parse_args(argv)
    out = out or sys.stdout
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        if args.command == "serve":
            return serve(args, out)
        return status(args, out)
    except XeroSyncError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def serve(args: argparse.Namespace, out: TextIO) -> int:
    """Listen until interrupted."""
    from xero_sync.mapping import load_mapping_files
    from xero_sync.webhooks.receiver import EventSink, Receiver, ReceiverServer

    key = os.environ.get(KEY_VARIABLE, "").strip()
    if not key:
        raise ConfigurationError(
            f"{KEY_VARIABLE} is not set: put the webhook key of your Xero app (developer "
            "portal → your app → Webhooks → Webhooks key) in it (in .env under Docker "
            "Compose); without it no signature can be checked")
    # A broken mapping fails its own DAG; the receiver serves the others (its events, if it
    # declared any, are answered and dropped: the DAG's first run after the fix catches up).
    mappings, broken = load_mapping_files(args.mappings)
    handled = {m.webhooks: m.name for m in mappings if m.webhooks}
    if not handled:
        raise ConfigurationError(
            f"no mapping in {args.mappings} declares webhooks (e.g. `webhooks: INVOICE` in "
            "invoices.yaml): the receiver would store nothing")
    target = _target(args)
    sink = EventSink(lambda: _open(target, args.schema))
    receiver = Receiver(key, sink, handled, args.path, args.max_body_bytes)
    server = ReceiverServer(receiver, args.host, args.port)
    problem = sink.check()
    print(f"Xero webhook receiver listening on {server.url}", file=out, flush=True)
    print(f"  storing {', '.join(f'{c} ({n})' for c, n in sorted(handled.items()))} events in "
          f"{target.describe()}", file=out, flush=True)
    for item in broken:
        print(f"  skipping a mapping file that cannot be used: {item.error}", file=out,
              flush=True)
    if problem:
        print(f"  warehouse not reachable yet ({problem}): answering 503 until it is, so "
              "that Xero retries", file=out, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sink.close()
    return 0


def status(args: argparse.Namespace, out: TextIO) -> int:
    """Print ``_webhook_status``."""
    from xero_sync.warehouse.events import WebhookEventStore

    warehouse = _open(_target(args), args.schema)
    try:
        warehouse.ensure_tables([])
        rows = WebhookEventStore(warehouse).status()
    finally:
        warehouse.close()
    print(f"{'organisation':<38}{'category':<12}{'received':>9}{'processed':>10}"
          f"{'pending':>8}{'oldest pending':>16}", file=out)
    for row in rows:
        age = "-" if row.oldest_pending_seconds is None else f"{row.oldest_pending_seconds} s"
        print(f"{row.tenant_id:<38}{row.category:<12}{row.received:>9}{row.processed:>10}"
              f"{row.pending:>8}{age:>16}", file=out)
    if not rows:
        print("no webhook events received yet", file=out)
    return 0


def _target(args: argparse.Namespace) -> WarehouseTarget:
    from xero_sync.auth.connections import warehouse_target

    return warehouse_target(args.warehouse_conn_id, args.warehouse_uri)


def _open(target: WarehouseTarget, schema: str) -> SqlWarehouse:
    from xero_sync.warehouse.factory import open_warehouse

    return open_warehouse(target, schema)


if __name__ == "__main__":
    raise SystemExit(main())
