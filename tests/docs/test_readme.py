"""What the README tells a newcomer to run or expect is what the project does.

Commands are checked against the compose file and the real argument parsers, the scopes table
against the sandbox's model of Xero's scopes, the runbook's log lines against the messages in
the code, and the worked example mapping is loaded, turned into a DAG and synced from the
sandbox.
"""

from __future__ import annotations

import dataclasses
import re
import shlex
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.fernet import Fernet

import readme_scopes
from tests.auth.conftest import connect_app, sandbox_settings
from tests.compose.support import example_env, filled_env, load_compose
from xero_sandbox import endpoints
from xero_sandbox.server import Sandbox
from xero_sandbox.state import SandboxConfig
from xero_sandbox.store import PAYMENT_SOURCE_TYPES
from xero_sync.auth.cli import DEFAULT_PORT, build_parser
from xero_sync.mapping import ObjectMapping, load_mappings, parse_mapping
from xero_sync.scopes import GRANULAR_DEFAULT

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
MAPPINGS = load_mappings(ROOT / "include" / "mappings")
EXAMPLE_DAG = "xero__cash_journals"


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"^ *```{language}\n(.*?)^ *```", README, re.S | re.M)


def shell_lines() -> list[list[str]]:
    """Every command of the README's bash blocks (and of its inline code), as argv lists."""
    lines = [line.strip() for block in code_blocks("bash")
             for line in block.replace("\\\n", " ").splitlines()]
    lines += re.findall(r"`((?:docker compose|python -m xero_sync\.auth) [^`]+)`", README)
    return [shlex.split(line, comments=True) for line in lines
            if line and not line.startswith("#")]


def compose_commands() -> list[list[str]]:
    return [argv[2:] for argv in shell_lines() if argv[:2] == ["docker", "compose"]]


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    return load_compose(filled_env())["services"]


def test_docker_compose_commands_name_real_services_profiles_and_options(
        services: dict[str, Any]) -> None:
    profiles = {p for s in services.values() for p in s.get("profiles", [])}
    commands = compose_commands()
    assert len(commands) >= 8
    for argv in commands:
        while argv[0] == "--profile":
            assert argv[1] in profiles, argv
            argv = argv[2:]
        verb, rest = argv[0], argv[1:]
        assert verb in {"up", "down", "ps", "run", "logs"}, argv
        for index, word in enumerate(rest):
            if word == "--scale":
                assert rest[index + 1].split("=")[0] in services, argv
        if verb == "run":
            service = next(w for w in rest if not w.startswith("-"))
            options = rest[:rest.index(service)]
            assert service in services, argv
            assert set(options) <= {"--rm", "--service-ports"}, argv
            if service == "xero-authorize":
                assert "--service-ports" in rest, "the callback port needs --service-ports"
            inner = rest[rest.index(service) + 1:]
            if inner:
                check_inner(inner)


def check_inner(argv: list[str]) -> None:
    """A command run inside a container: xero_sync.auth, .state, .webhooks or Airflow's CLI."""
    if argv[:3] == ["python", "-m", "xero_sync.auth"]:
        build_parser().parse_args(argv[3:])
        return
    if argv[:3] == ["python", "/opt/xero-sync/docker/compose_setup.py", "authorize"]:
        build_parser().parse_args(argv[2:])  # xero-authorize's own command, with options
        return
    if argv[:3] == ["python", "-m", "xero_sync.state"]:
        from xero_sync.state import build_parser as state_parser

        state_parser().parse_args(argv[3:])
        return
    if argv[:3] == ["python", "-m", "xero_sync.webhooks"]:
        from xero_sync.webhooks.__main__ import build_parser as webhooks_parser

        webhooks_parser().parse_args(argv[3:])
        return
    assert argv[0] == "airflow", argv
    from airflow.cli import cli_parser

    cli_parser.get_parser().parse_args(argv[1:])


def test_auth_commands_parse() -> None:
    found = []
    for argv in shell_lines():
        for index in range(len(argv) - 2):
            if argv[index:index + 3] == ["python", "-m", "xero_sync.auth"]:
                found.append(argv[index:])
    assert {argv[3] for argv in found} >= {"status", "tenants"}
    for argv in found:
        build_parser().parse_args(argv[3:])


def test_scripts_and_links_exist() -> None:
    for argv in shell_lines():
        if argv[0] in {"python", "python3"} and argv[1].endswith(".py"):
            assert (ROOT / argv[1]).is_file(), argv
    for target in re.findall(r"\]\((?!https?://|#)([^)]+)\)", README):
        assert (ROOT / target).exists(), target
    headings = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-")
                for h in re.findall(r"^#+ (.+)$", README, re.M)}
    for anchor in re.findall(r"\]\(#([^)]+)\)", README):
        assert anchor in headings, anchor


def test_dag_ids_and_params_exist() -> None:
    from xero_sync.dag_factory import PARAMS, REPORTS_DAG_ID

    names = {f"xero__{m.name}" for m in MAPPINGS} | {REPORTS_DAG_ID}
    from xero_sync.warehouse.tables import CONTROL_TABLES

    sqlite_control_tables = {f"xero_{table.name}" for table in CONTROL_TABLES}  # xero__sync_runs
    mentioned = set(re.findall(r"xero__[a-z_]+[a-z]", README)) - {EXAMPLE_DAG}
    mentioned -= sqlite_control_tables
    assert mentioned <= names, mentioned - names
    assert mentioned >= {"xero__invoices", "xero__journals", "xero__employees", REPORTS_DAG_ID}
    trigger = README[README.index("**Run now, with options.**"):README.index("**Backfill.**")]
    assert set(re.findall(r"`([a-z_]+)` \(", trigger)) == set(PARAMS)


def scope_rows() -> list[tuple[list[str], str, str]]:
    rows = []
    for line in README.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("xero__"):
            rows.append(([d.strip() for d in cells[0].split(",")], cells[1].strip("`"),
                         cells[2].strip("`")))
    return rows


def granted(scopes: set[str], mapping: ObjectMapping) -> bool:
    """Whether a token with these scopes may read the mapping's endpoint (the sandbox's rule)."""
    family = endpoints.PAYROLL_AU if mapping.api == "payroll_au" else endpoints.ACCOUNTING
    endpoint = next(e for e in endpoints.ENDPOINTS
                    if e.name == mapping.resource and e.family == family and not e.retired)
    return any(f"{scope}.read" in scopes for scope in endpoints.SCOPES[endpoint.scope_group])


def test_the_scopes_table_covers_every_dag_with_scopes_that_work() -> None:
    """One DAG per mapping, plus xero__reports (not a mapping), whose granular scopes are one
    per report: each must let the sandbox serve its report, and so must the broad one."""
    from xero_sync.dag_factory import REPORTS_DAG_ID

    rows = scope_rows()
    listed = [dag for dags, _, _ in rows for dag in dags]
    assert sorted(listed) == sorted([*(f"xero__{m.name}" for m in MAPPINGS), REPORTS_DAG_ID])
    by_dag = {f"xero__{m.name}": m for m in MAPPINGS}
    for dags, new_apps, old_apps in rows:
        if dags == [REPORTS_DAG_ID]:
            granular = set(new_apps.split())
            assert {endpoints.REPORT_SCOPES[name] for name in endpoints.REPORT_SCOPES} == granular
            assert old_apps == "accounting.reports.read"
            continue
        for dag in dags:
            assert granted({new_apps}, by_dag[dag]), (dag, new_apps)
            assert granted({old_apps}, by_dag[dag]), (dag, old_apps)
            assert "accounting.transactions" not in new_apps  # refused to new apps


def test_the_scopes_table_is_the_one_make_docs_writes() -> None:
    assert readme_scopes.render(README, MAPPINGS) == README, (
        f"README.md's scopes table is stale: run `{readme_scopes.COMMAND}` and commit it")


def test_the_default_scopes_read_every_dag_but_journals_and_employees() -> None:
    """The default (.env.example, the connection form) is what an app created since March 2026
    may ask for; only the objects of the two opt-in scopes (the Journals endpoint, payroll
    Employees) stay out, however many mappings read them."""
    default = set(example_env()["XERO_SCOPES"].split())
    assert " ".join(sorted(default)) == " ".join(sorted(code_blocks("text")[0].split()))
    assert default == set(GRANULAR_DEFAULT)
    assert "offline_access" in default
    refused = {f"xero__{m.name}" for m in MAPPINGS if not granted(default, m)}
    opt_in = {("accounting", "Journals"), ("payroll_au", "Employees")}
    assert refused == {f"xero__{m.name}" for m in MAPPINGS if (m.api, m.resource) in opt_in}
    assert refused >= {"xero__journals", "xero__employees"}


def test_the_redirect_uri_is_the_one_the_command_listens_on() -> None:
    assert f"http://localhost:{DEFAULT_PORT}/callback" in README
    assert example_env()["XERO_CALLBACK_PORT"] == str(DEFAULT_PORT)


def test_the_runbook_quotes_messages_the_code_really_logs() -> None:
    runbook = README[README.index("## Runbook"):]
    quoted = re.findall(r"Log: `([^`]+)`", runbook)
    quoted += re.findall(r"or `(are not connected[^`]+)`", runbook)
    quoted += re.findall(r"\.\.\. `([^`]+)`", runbook)
    sources = " ".join(path.read_text(encoding="utf-8")
                       for path in (ROOT / "plugins" / "xero_sync").rglob("*.py"))
    sources = re.sub(r'"\s*\n\s*f?"', "", sources)  # join literals split over lines
    sources = re.sub(r"\s+", " ", sources)
    assert len(quoted) >= 8
    for fragment in quoted:
        assert re.sub(r"\s+", " ", fragment) in sources, fragment
    for topic in ("invalid_grant", "day limit", "Re-authorisation", "disconnected",
                  "Fernet key"):
        assert topic in runbook


# -- the worked example: a new mapping, end to end ---------------------------------------------


def example_mapping() -> ObjectMapping:
    section = README[README.index("## Add a Xero object"):README.index("## Data model")]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block
    return parse_mapping(yaml.safe_load(block.group(1)), "include/mappings/cash_journals.yaml",
                         "cash_journals")


def test_the_example_mapping_is_valid_and_becomes_a_dag() -> None:
    from xero_sync.dag_factory import POOL, build_dag

    mapping = example_mapping()
    assert mapping.params == {"paymentsOnly": "true"}
    dag = build_dag(mapping)
    assert dag.dag_id == EXAMPLE_DAG
    assert dag.get_task("sync").pool == POOL
    assert {t.table for t in mapping.all_children()} == {"cash_journal_lines"}
    # A new object: no other mapping has its name (once saved, the file is this example).
    saved = {m.name: m for m in MAPPINGS}.get(mapping.name)
    assert saved is None or dataclasses.replace(saved, path=mapping.path) == mapping


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(seed=11, tenants=1, scale=60, auto_consent=True)) as running:
        yield running


def test_the_example_mapping_syncs_cash_journals_from_the_sandbox(
        sandbox: Sandbox, tmp_path: Path) -> None:
    from xero_sync.auth.crypto import TokenCipher
    from xero_sync.auth.oauth import TokenManager
    from xero_sync.auth.token_store import token_store
    from xero_sync.client import XeroClient
    from xero_sync.extract import extract
    from xero_sync.sync import SyncRequest, run_sync
    from xero_sync.warehouse.dbapi import WarehouseTarget
    from xero_sync.warehouse.factory import warehouse_for

    mapping = example_mapping()
    settings = sandbox_settings(sandbox, scopes=("offline_access", "accounting.journals.read"))
    target = WarehouseTarget("sqlite", str(tmp_path / "warehouse.db"))
    store = token_store(target, TokenCipher(Fernet.generate_key().decode()))
    connect_app(sandbox, settings, store)
    client = XeroClient(settings, TokenManager(settings, store))

    class Source:
        def extract(self, spec: Any, tenant_id: str, since: Any = None,
                    offset: int | None = None) -> Any:
            return extract(client, spec, tenant_id, since, offset)

    tenant = next(iter(sandbox.state.tenant_names))
    warehouse = warehouse_for(target)
    try:
        warehouse.ensure_tables([mapping])
        run_sync(Source(), warehouse, SyncRequest(mapping, tenant, run_id="readme-example"))
    finally:
        warehouse.close()
    expected = [j for j in sandbox.state.truth(tenant, "Journals")
                if j.get("SourceType") in PAYMENT_SOURCE_TYPES]
    assert expected, "the sandbox made no payment journals"
    with sqlite3.connect(target.database) as db:
        rows = db.execute('SELECT COUNT(*), COUNT(DISTINCT source_type) FROM '
                          '"xero_cash_journals"').fetchone()
        lines = db.execute('SELECT COUNT(*) FROM "xero_cash_journal_lines"').fetchone()[0]
        types = {r[0] for r in db.execute('SELECT source_type FROM "xero_cash_journals"')}
    assert rows[0] == len(expected)
    assert types <= PAYMENT_SOURCE_TYPES
    assert lines == sum(len(j.get("JournalLines", [])) for j in expected)
