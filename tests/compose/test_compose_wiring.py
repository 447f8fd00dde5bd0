"""How docker-compose.yaml is wired: image, environment, start order, health, profiles."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.compose.support import DOCKER, ROOT, docker_module, filled_env, load_compose
from xero_sandbox.state import SandboxConfig
from xero_sync.settings import XeroSettings

# The long-running Airflow components, and every other service that runs Airflow code.
AIRFLOW = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
           "airflow-triggerer", "airflow-worker")
AIRFLOW_ONE_SHOTS = ("airflow-init", "xero-sandbox-connect", "airflow-cli", "xero-authorize")
PROJECT_IMAGE = (*AIRFLOW, *AIRFLOW_ONE_SHOTS, "config-check", "mssql-init", "xero-sandbox",
                 "xero-webhooks")
SETUP = "/opt/xero-sync/docker/compose_setup.py"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose(filled_env())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


def command(service: dict[str, Any]) -> list[str]:
    value = service.get("command", [])
    return shlex.split(value) if isinstance(value, str) else list(value)


def conditions(service: dict[str, Any]) -> dict[str, str]:
    return {name: spec["condition"] for name, spec in service.get("depends_on", {}).items()}


def test_every_service_of_the_project_runs_one_image_built_once(
        services: dict[str, Any]) -> None:
    built = {(s["image"], json.dumps(s["build"], sort_keys=True))
             for name, s in services.items() if name in PROJECT_IMAGE}
    assert len(built) == 1, built
    _image, build = built.pop()
    assert json.loads(build)["dockerfile"] == "docker/Dockerfile"
    assert json.loads(build)["args"]["AIRFLOW_BASE_IMAGE"] == "apache/airflow:3.3.2-python3.11"
    assert set(PROJECT_IMAGE) <= set(services)


def test_every_airflow_service_has_the_same_airflow_environment(
        compose: dict[str, Any], services: dict[str, Any]) -> None:
    common = compose["x-airflow-env"]
    for name in (*AIRFLOW, *AIRFLOW_ONE_SHOTS, "config-check"):
        env = services[name]["environment"]
        differing = {key for key, value in common.items() if env.get(key) != value}
        assert not differing, f"{name}: {differing}"
    assert common["AIRFLOW__CORE__FERNET_KEY"] and common["AIRFLOW__API_AUTH__JWT_SECRET"]


def test_airflow_services_share_code_volumes_and_logs(services: dict[str, Any]) -> None:
    for name in (*AIRFLOW, *AIRFLOW_ONE_SHOTS):
        volumes = set(services[name]["volumes"])
        assert {"./dags:/opt/airflow/dags:ro", "./plugins:/opt/airflow/plugins:ro",
                "./include:/opt/airflow/include:ro", "airflow-logs:/opt/airflow/logs"} <= volumes
        for volume in volumes:
            source = volume.split(":")[0]
            assert not source.startswith("./") or (ROOT / source).is_dir(), volume


def test_airflow_components_start_after_init_and_a_healthy_postgres(
        services: dict[str, Any]) -> None:
    for name in AIRFLOW:
        after = conditions(services[name])
        assert after.get("airflow-init") == "service_completed_successfully", name
        assert after.get("postgres") == "service_healthy", name
        assert after.get("mssql") == "service_healthy", name
        assert "healthcheck" in services[name], name
    init = conditions(services["airflow-init"])
    assert init == {"postgres": "service_healthy", "config-check":
                    "service_completed_successfully",
                    "mssql-init": "service_completed_successfully"}


def test_every_dependency_can_meet_its_condition(services: dict[str, Any]) -> None:
    for name, service in services.items():
        for target, condition in conditions(service).items():
            assert target in services, f"{name} depends on unknown {target}"
            if condition == "service_healthy":
                assert "healthcheck" in services[target], f"{target} has no health check"
            if condition == "service_completed_successfully":
                assert services[target].get("restart", "no") == "no", target
            # A service outside a profile cannot wait for one inside it (Compose refuses).
            if not service.get("profiles"):
                assert not services[target].get("profiles"), f"{name} -> {target}"


def test_long_running_services_restart_and_one_shots_do_not(services: dict[str, Any]) -> None:
    one_shots = {"config-check", "mssql-init", "airflow-init", "xero-sandbox-connect",
                 "airflow-cli", "xero-authorize"}
    for name, service in services.items():
        expected = "no" if name in one_shots else "unless-stopped"
        assert service.get("restart", "no") == expected, name


def test_execution_api_url_points_at_the_api_server(
        compose: dict[str, Any], services: dict[str, Any]) -> None:
    url = urlsplit(compose["x-airflow-env"]["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    assert url.hostname == "airflow-apiserver" and url.hostname in services
    assert command(services["airflow-apiserver"]) == ["api-server"]
    published = services["airflow-apiserver"]["ports"][0]
    assert published.endswith(f":{url.port}") and url.path == "/execution/"


def test_metadata_database_is_postgres_16_through_psycopg_3(
        compose: dict[str, Any], services: dict[str, Any]) -> None:
    env = compose["x-airflow-env"]
    schemes, urls = set(), []
    for name in ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
                 "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"):
        scheme, rest = env[name].split("://", 1)
        schemes.add(scheme)
        urls.append(urlsplit(f"postgresql://{rest}"))
    assert schemes == {"postgresql+psycopg", "postgresql+psycopg_async"}
    sync, asynchronous = urls
    postgres = services["postgres"]
    assert postgres["image"] == "postgres:16"
    assert sync.hostname == asynchronous.hostname == "postgres"
    assert sync.password == postgres["environment"]["POSTGRES_PASSWORD"]
    assert sync.path == f"/{postgres['environment']['POSTGRES_DB']}"
    assert postgres["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]


def test_sql_server_2022_with_the_sqlcmd_18_health_check(services: dict[str, Any]) -> None:
    mssql = services["mssql"]
    assert mssql["image"] == "mcr.microsoft.com/mssql/server:2022-latest"
    assert mssql["environment"]["ACCEPT_EULA"] == "Y"
    assert mssql["environment"]["MSSQL_SA_PASSWORD"] == filled_env()["MSSQL_SA_PASSWORD"]
    test = mssql["healthcheck"]["test"]
    assert test[0] == "CMD-SHELL"
    assert test[1] == ('/opt/mssql-tools18/bin/sqlcmd -C -S localhost -U sa '
                       '-P "$MSSQL_SA_PASSWORD" -Q "SELECT 1"')
    assert conditions(mssql) == {"config-check": "service_completed_successfully"}


def test_a_one_shot_creates_the_warehouse_database(services: dict[str, Any]) -> None:
    init = services["mssql-init"]
    assert command(init) == ["python", SETUP, "mssql-init"]
    assert conditions(init) == {"mssql": "service_healthy"}
    env = init["environment"]
    settings = docker_module("compose_setup").Settings.from_env(env)
    assert settings.sa_password and settings.warehouse_password and settings.warehouse_db


def test_airflow_init_creates_the_pool_both_connections_and_the_admin(
        services: dict[str, Any]) -> None:
    """Run the init step on the environment the compose file gives it, recording commands."""
    setup = docker_module("compose_setup")
    init = services["airflow-init"]
    assert command(init) == ["python", SETUP, "airflow-init"]
    env = dict(init["environment"])
    env.update(XERO_CLIENT_ID="A" * 32, XERO_CLIENT_SECRET="s" * 48)
    commands: list[list[str]] = []
    imported: dict[str, Any] = {}

    def run(argv: Any) -> str:
        commands.append(list(argv))
        if argv[:3] == ["airflow", "connections", "import"]:
            imported.update(json.loads(Path(argv[-1]).read_text()))
        return ""

    setup.airflow_init(setup.Settings.from_env(env), run=run)
    assert commands[0] == ["airflow", "db", "migrate"]
    assert ["airflow", "pools", "set", "xero_api", "5", setup.POOL_DESCRIPTION] in commands
    assert any(c[:4] == ["airflow", "connections", "import", "--overwrite"] for c in commands)
    create = next(c for c in commands if c[:3] == ["airflow", "users", "create"])
    assert create[create.index("--username") + 1] == env["AIRFLOW_ADMIN_USER"]
    assert create[create.index("--password") + 1] == env["AIRFLOW_ADMIN_PASSWORD"]
    assert create[create.index("--role") + 1] == "Admin"
    warehouse = imported["xero_warehouse"]
    assert warehouse["conn_type"] == "mssql"
    assert warehouse["host"] == "mssql" and warehouse["port"] == 1433
    assert warehouse["schema"] == env["XERO_WAREHOUSE_DB"]
    assert warehouse["login"] == env["XERO_WAREHOUSE_USER"]
    xero = imported["xero_default"]
    assert xero["conn_type"] == "xero"
    settings = XeroSettings.from_fields("xero_default", xero["login"], xero["password"],
                                        xero["extra"])
    assert settings.api_url == "https://api.xero.com"
    assert set(settings.scopes) == set(filled_env()["XERO_SCOPES"].split())


def test_profile_sandbox_runs_the_sandbox_and_connects_xero_default_to_it(
        services: dict[str, Any]) -> None:
    setup = docker_module("compose_setup")
    sandbox, connect = services["xero-sandbox"], services["xero-sandbox-connect"]
    assert sandbox["profiles"] == connect["profiles"] == ["sandbox"]
    argv = command(sandbox)
    assert argv[:3] == ["python", "-m", "xero_sandbox"] and "--auto-consent" in argv
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    port = argv[argv.index("--port") + 1]
    assert f"http://xero-sandbox:{port}" == setup.SANDBOX_URL
    assert sandbox["environment"]["PYTHONPATH"] == "/opt/airflow/tools"
    assert f"localhost:{port}/" in " ".join(sandbox["healthcheck"]["test"])
    assert command(connect) == ["python", SETUP, "sandbox-connect"]
    assert conditions(connect) == {"airflow-init": "service_completed_successfully",
                                   "xero-sandbox": "service_healthy"}
    connection = setup.sandbox_connection()
    extra = json.loads(connection["extra"])
    assert {extra["api_url"], extra["identity_url"], extra["login_url"]} == {setup.SANDBOX_URL}
    # The sync accepts it: plain http, but to a host the connection explicitly allows.
    settings = XeroSettings.from_fields("xero_default", connection["login"],
                                        connection["password"], connection["extra"])
    assert settings.api_url == setup.SANDBOX_URL
    assert SandboxConfig.client_id == setup.SANDBOX_CLIENT_ID
    assert SandboxConfig.client_secret == setup.SANDBOX_CLIENT_SECRET


def test_profile_webhooks_runs_the_receiver_on_the_warehouse_connection() -> None:
    env = filled_env(XERO_WEBHOOK_KEY="Abc123webhookKey")
    compose = load_compose(env)
    services = compose["services"]
    receiver = services["xero-webhooks"]
    assert receiver["profiles"] == ["webhooks"]
    argv = command(receiver)
    assert argv[:4] == ["python", "-m", "xero_sync.webhooks", "serve"]
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    port = argv[argv.index("--port") + 1]
    assert receiver["ports"] == [f"{env['XERO_WEBHOOK_BIND']}:{env['XERO_WEBHOOK_PORT']}:{port}"]
    assert f"localhost:{port}/healthz" in " ".join(receiver["healthcheck"]["test"])
    # The xero_warehouse connection, from Airflow's metadata database, as the tasks read it.
    environment = receiver["environment"]
    assert all(environment[k] == v for k, v in compose["x-airflow-env"].items())
    assert environment["XERO_WEBHOOK_KEY"] == "Abc123webhookKey"
    assert conditions(receiver)["airflow-init"] == "service_completed_successfully"
    assert "./include:/opt/airflow/include:ro" in receiver["volumes"]  # which categories
    assert receiver["restart"] == "unless-stopped"
    # The sandbox sends its webhooks there, signed with the same key.
    sandbox = command(services["xero-sandbox"])
    url = urlsplit(sandbox[sandbox.index("--webhook-url") + 1])
    assert (url.hostname, str(url.port), url.path) == ("xero-webhooks", port, "/webhooks/xero")
    assert sandbox[sandbox.index("--webhook-key") + 1] == "Abc123webhookKey"


def test_the_receiver_reads_the_mappings_the_image_holds() -> None:
    from xero_sync.webhooks.__main__ import MAPPINGS

    # /opt/airflow/plugins/xero_sync/webhooks/__main__.py -> /opt/airflow/include/mappings
    assert MAPPINGS == ROOT / "include" / "mappings"
    dockerfile = (DOCKER / "Dockerfile").read_text()
    assert "COPY --chown=airflow:0 plugins /opt/airflow/plugins" in dockerfile
    assert "COPY --chown=airflow:0 include /opt/airflow/include" in dockerfile


def test_profile_celery_adds_redis_and_scalable_workers(services: dict[str, Any]) -> None:
    redis, worker = services["redis"], services["airflow-worker"]
    assert redis["profiles"] == worker["profiles"] == ["celery"]
    assert redis["image"].startswith("redis:") and "redis-cli" in redis["healthcheck"]["test"]
    argv = command(worker)
    assert argv[:2] == ["bash", "-c"] and "worker-check" in argv[2]
    assert argv[2].endswith("exec airflow celery worker")
    assert conditions(worker)["redis"] == "service_healthy"
    broker = urlsplit(worker["environment"]["AIRFLOW__CELERY__BROKER_URL"])
    assert (broker.scheme, broker.hostname, broker.port) == ("redis", "redis", 6379)
    # --scale airflow-worker=N needs no fixed name and no published port.
    assert "container_name" not in worker and "ports" not in worker


def test_celery_executor_reaches_scheduler_and_workers_together() -> None:
    services = load_compose(filled_env(AIRFLOW_EXECUTOR="CeleryExecutor"))["services"]
    for name in ("airflow-scheduler", "airflow-worker", "airflow-apiserver", "airflow-init"):
        assert services[name]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    default = load_compose(filled_env())["services"]
    assert default["airflow-scheduler"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == (
        "LocalExecutor")


def test_profile_cli_has_the_authorize_command_behind_the_callback_port(
        services: dict[str, Any]) -> None:
    setup = docker_module("compose_setup")
    authorize = services["xero-authorize"]
    assert authorize["profiles"] == services["airflow-cli"]["profiles"] == ["cli"]
    assert command(authorize) == ["python", SETUP, "authorize"]
    port = filled_env()["XERO_CALLBACK_PORT"]
    assert authorize["ports"] == [f"127.0.0.1:{port}:{setup.RELAY_PORT}"]
    assert authorize["environment"]["XERO_CALLBACK_PORT"] == port


def test_published_ports_default_to_this_machine_only(services: dict[str, Any]) -> None:
    for name, service in services.items():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name}: {port}"


def test_every_setup_step_is_run_by_a_service(services: dict[str, Any]) -> None:
    steps = docker_module("compose_setup").STEPS
    used = {step for service in services.values()
            for step in re.findall(rf"{re.escape(SETUP)} ([a-z-]+)", " ".join(command(service)))}
    assert used == set(steps)


def test_the_dockerfile_builds_what_the_services_run() -> None:
    dockerfile = (DOCKER / "Dockerfile").read_text()
    ignore = (DOCKER / "Dockerfile.dockerignore").read_text().splitlines()
    assert "ARG AIRFLOW_BASE_IMAGE=apache/airflow:3.3.2-python3.11" in dockerfile
    assert "FROM ${AIRFLOW_BASE_IMAGE}" in dockerfile
    assert ("pip install --no-cache-dir -r /opt/xero-sync/requirements.txt "
            "-c /opt/xero-sync/constraints.txt") in dockerfile
    assert "pip install --no-cache-dir --no-deps -e /opt/airflow" in dockerfile
    copies = re.findall(r"^COPY --chown=airflow:0 (.+) (\S+)$", dockerfile, re.M)
    sources = {source for line, _ in copies for source in line.split()}
    destinations = {dest for _, dest in copies}
    assert SETUP in destinations and "/opt/airflow/tools/xero_sandbox" in destinations
    for source in sources:
        assert (ROOT / source).exists(), source
        assert f"!{source}" in ignore, f"{source} is excluded from the build context"
    requirements = (ROOT / "requirements.txt").read_text()
    assert "apache-airflow==3.3.2\n" in requirements  # the base image's version


def test_mssql_edition_and_ports_come_from_env(services: dict[str, Any]) -> None:
    env = filled_env()
    assert services["mssql"]["environment"]["MSSQL_PID"] == env["MSSQL_PID"]
    assert services["mssql"]["ports"] == [
        f"{env['MSSQL_BIND']}:{env['MSSQL_PORT']}:1433"]
