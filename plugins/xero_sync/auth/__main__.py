"""``python -m xero_sync.auth``: see :mod:`xero_sync.auth.cli`."""

from __future__ import annotations

from xero_sync.auth.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
