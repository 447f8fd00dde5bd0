"""``python -m xero_sandbox``: start the sandbox on a port with a seed, tenants and scale."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys

from xero_sandbox.limits import Limits
from xero_sandbox.server import Sandbox
from xero_sandbox.state import SandboxConfig
from xero_sandbox.webhooks import Subscription


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line; every default is Xero's own behaviour."""
    parser = argparse.ArgumentParser(prog="python -m xero_sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=42, help="same seed, same data")
    parser.add_argument("--tenants", type=_positive, default=2,
                        help="organisations to simulate (distinct names; 200 is a large firm)")
    parser.add_argument("--scale", type=_positive, default=1000,
                        help="about this many invoices in each of the first two organisations; "
                        "the others spread from 2%% to 2x that, most of them small")
    parser.add_argument("--auto-consent", action="store_true",
                        help="skip the consent page: redirect straight back with a code")
    parser.add_argument("--client-id", default=SandboxConfig.client_id)
    parser.add_argument("--client-secret", default=SandboxConfig.client_secret)
    parser.add_argument("--access-token-ttl", type=int, default=1800, help="seconds")
    parser.add_argument("--minute-limit", type=int, default=60, help="calls per tenant-minute")
    parser.add_argument("--day-limit", type=int, default=5000, help="calls per tenant-day")
    parser.add_argument("--concurrent-limit", type=int, default=5, help="calls in flight")
    parser.add_argument("--app-minute-limit", type=int, default=10000, help="calls per app-minute")
    parser.add_argument("--webhook-url", default=None,
                        help="send webhooks to this receiver from the start (no intent-to-"
                             "receive check; POST /_sandbox/intent_to_receive runs it)")
    parser.add_argument("--webhook-key", default=None,
                        help="the webhook signing key (empty: no webhooks)")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive whole number")
    return value


def main(argv: list[str] | None = None) -> int:
    """Build the organisations, print how to connect, and serve until interrupted."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.webhook_key and not args.webhook_url:
        raise SystemExit("--webhook-key needs --webhook-url: where should the webhooks go?")
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(message)s")
    config = SandboxConfig(
        seed=args.seed, tenants=args.tenants, scale=args.scale, auto_consent=args.auto_consent,
        client_id=args.client_id, client_secret=args.client_secret,
        access_token_ttl=args.access_token_ttl,
        limits=Limits(args.minute_limit, args.day_limit, args.concurrent_limit,
                      args.app_minute_limit),
        # An empty key (Compose without XERO_WEBHOOK_KEY) means no webhooks.
        webhook=(Subscription(args.webhook_url, args.webhook_key)
                 if args.webhook_url and args.webhook_key else None),
    )
    sandbox = Sandbox(config, args.host, args.port)
    state = sandbox.state
    print(f"Xero sandbox listening on {sandbox.url}", flush=True)
    print(f"  client id / secret: {config.client_id} / {config.client_secret}")
    print(f"  custom connection:  {config.custom_client_id} / {config.custom_client_secret}")
    for tenant_id, name in state.tenant_names.items():
        print(f"  tenant {tenant_id}  {name}  (~{state.tenant_scales[tenant_id]:,} invoices)")
    if config.webhook is not None:
        print(f"  webhooks to: {config.webhook.url}")
    print(f"  admin: {sandbox.url}/_sandbox/stats", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        sandbox.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
