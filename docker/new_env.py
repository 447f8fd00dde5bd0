"""Write ``.env`` for docker-compose.yaml: ``.env.example`` with fresh keys and passwords.

    python3 docker/new_env.py            # writes .env next to docker-compose.yaml
    python3 docker/new_env.py --force    # replaces an existing .env (its keys are lost!)

Only the Python standard library is used, so any Python 3 runs it. Every REQUIRED setting that
is empty in .env.example gets a random value that meets its rules (Fernet key, JWT secret, and
passwords of letters and digits that SQL Server's policy accepts); everything else is copied
as it is. The Xero app's client id and secret stay empty: fill them in, or use the sandbox.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import string
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fernet_key() -> str:
    """32 random bytes, url-safe base64: what ``cryptography.fernet.Fernet`` takes."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def password(length: int = 24) -> str:
    """Letters and digits with at least one upper-case letter, lower-case letter and digit."""
    alphabet = string.ascii_letters + string.digits
    while True:
        value = "".join(secrets.choice(alphabet) for _ in range(length))
        if (any(c.isupper() for c in value) and any(c.islower() for c in value)
                and any(c.isdigit() for c in value)):
            return value


GENERATED: dict[str, Callable[[], str]] = {
    "AIRFLOW_FERNET_KEY": fernet_key,
    "AIRFLOW_JWT_SECRET": lambda: secrets.token_hex(32),
    "AIRFLOW_ADMIN_PASSWORD": password,
    "POSTGRES_PASSWORD": password,
    "MSSQL_SA_PASSWORD": password,
    "XERO_WAREHOUSE_PASSWORD": password,
}


def render(example: str) -> str:
    """The example with every empty generated setting filled in."""
    lines = []
    for line in example.splitlines():
        name, sep, value = line.partition("=")
        if sep and name in GENERATED and not value.strip():
            line = f"{name}={GENERATED[name]()}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the file; refuse to replace one unless --force."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--example", type=Path, default=ROOT / ".env.example")
    parser.add_argument("--output", type=Path, default=ROOT / ".env")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing file (the old keys and passwords are lost)")
    args = parser.parse_args(argv)
    if args.output.exists() and not args.force:
        print(f"{args.output} exists; it is left as it is (--force replaces it, and with it the "
              "keys that encrypt stored tokens and connections)", file=sys.stderr)
        return 1
    args.output.write_text(render(args.example.read_text(encoding="utf-8")), encoding="utf-8")
    args.output.chmod(0o600)
    print(f"Wrote {args.output} with new keys and passwords (AIRFLOW_ADMIN_PASSWORD is the "
          "Airflow UI's). Keep it: the keys decrypt what the services store.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
