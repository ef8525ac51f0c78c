"""Structure checks for docker-compose.yml, Dockerfile, the Postgres init script, .env.example.

There is no Docker engine in CI, so the compose file is tested as YAML data.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
INIT_DIR = ROOT / "docker" / "postgres-init"
INIT_SQL = INIT_DIR / "01-databases.sql"

AIRFLOW_SERVICES = (
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
    "airflow-init",
)
REQUIRED_SERVICES = ("postgres", "redis", *AIRFLOW_SERVICES)
ENV_VAR_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    result = compose["services"]
    assert isinstance(result, dict)
    return result


@pytest.fixture(scope="module")
def common(compose: dict[str, Any]) -> dict[str, Any]:
    result = compose["x-airflow-common"]
    assert isinstance(result, dict)
    return result


@pytest.fixture(scope="module")
def common_env(common: dict[str, Any]) -> dict[str, str]:
    env = common["environment"]
    assert isinstance(env, dict), "use a mapping for the common environment"
    return {str(k): str(v) for k, v in env.items()}


def _airflow_service_names(services: dict[str, dict[str, Any]]) -> list[str]:
    return [name for name in services if name.startswith("airflow-") or name == "flower"]


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    assert isinstance(env, dict)
    return {str(k): str(v) for k, v in env.items()}


def _depends_on(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    deps = service.get("depends_on") or {}
    assert isinstance(deps, dict), "depends_on must be the long form with conditions"
    return deps


def test_required_services_exist(services: dict[str, dict[str, Any]]) -> None:
    missing = [name for name in REQUIRED_SERVICES if name not in services]
    assert not missing, f"missing services: {missing}"


def test_flower_is_optional(services: dict[str, dict[str, Any]]) -> None:
    flower = services.get("flower")
    if flower is None:
        pytest.skip("no flower service")
    assert flower.get("profiles"), "flower must sit behind a profile"
    assert flower["command"] == "celery flower"


def test_common_anchor_builds_from_dockerfile(common: dict[str, Any]) -> None:
    build = common["build"]
    if isinstance(build, str):
        assert build == "."
    else:
        assert build.get("context", ".") == "."
        assert build.get("dockerfile", "Dockerfile") == "Dockerfile"
    assert common.get("image"), "tag the built image so every service shares one build"


def test_every_airflow_service_uses_common_image_and_environment(
    services: dict[str, dict[str, Any]], common: dict[str, Any], common_env: dict[str, str]
) -> None:
    names = _airflow_service_names(services)
    assert set(AIRFLOW_SERVICES) <= set(names)
    for name in names:
        service = services[name]
        assert service.get("image") == common["image"], name
        assert service.get("build") == common["build"], name
        assert service.get("user") == common["user"], name
        env = _env(service)
        for key, value in common_env.items():
            assert env.get(key) == value, f"{name}: {key} differs from x-airflow-common"
        volumes = service.get("volumes") or []
        assert volumes == common["volumes"], name


def test_common_volumes_mount_project_directories(common: dict[str, Any]) -> None:
    sources = {str(v).split(":", 1)[0] for v in common["volumes"]}
    assert {"./dags", "./config", "./data", "./logs"} <= sources
    targets = {str(v).split(":")[1] for v in common["volumes"]}
    assert "/opt/airflow/dags" in targets


def test_celery_executor_with_redis_broker(
    services: dict[str, dict[str, Any]], common_env: dict[str, str]
) -> None:
    assert common_env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    broker = common_env["AIRFLOW__CELERY__BROKER_URL"]
    assert broker.startswith("redis://")
    assert "@redis:6379" in broker
    assert common_env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://")
    assert "@postgres/" in common_env["AIRFLOW__CELERY__RESULT_BACKEND"]
    assert services["redis"]["image"].startswith("redis:7")
    assert services["airflow-worker"]["command"] == "celery worker"


def test_metadata_database_urls(common_env: dict[str, str]) -> None:
    sync_url = common_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    async_url = common_env.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC")
    assert sync_url.startswith("postgresql+psycopg://")
    assert sync_url.endswith("@postgres/airflow")
    # Without it Airflow derives an asyncpg URL and crashes (asyncpg is not installed).
    assert async_url == sync_url


def test_application_settings(common_env: dict[str, str]) -> None:
    assert common_env["DATABASE_URL"].startswith("postgresql+psycopg://news:")
    assert common_env["DATABASE_URL"].endswith("@postgres/news")
    assert common_env["DATABASE_URL"] != common_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert common_env["SLACK_BOT_TOKEN"] == "${SLACK_BOT_TOKEN:-}"
    assert common_env["SLACK_CHANNEL"].startswith("${SLACK_CHANNEL:-#")
    assert common_env["FEEDS_FILE"] == "/opt/airflow/project/config/feeds.yaml"
    assert common_env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false"
    assert common_env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "true"


def test_one_shared_jwt_secret(
    services: dict[str, dict[str, Any]], common_env: dict[str, str]
) -> None:
    value = common_env["AIRFLOW__API_AUTH__JWT_SECRET"]
    assert ENV_VAR_REF.findall(value) == ["AIRFLOW_JWT_SECRET"], "take the secret from .env"
    for name in _airflow_service_names(services):
        assert _env(services[name])["AIRFLOW__API_AUTH__JWT_SECRET"] == value, name
    # No other place in the file may define a second secret.
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    assert len(re.findall(r"^\s*[\w.-]*JWT_SECRET[\w.-]*\s*:", text, re.MULTILINE)) == 1


def test_execution_api_points_at_apiserver(
    services: dict[str, dict[str, Any]], common_env: dict[str, str]
) -> None:
    url = common_env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"]
    match = re.fullmatch(r"http://([a-z0-9-]+):(\d+)/execution/", url)
    assert match, url
    host, port = match.group(1), match.group(2)
    assert host == "airflow-apiserver"
    apiserver = services[host]
    assert apiserver["command"] == "api-server"
    container_ports = {str(p).rsplit(":", 1)[-1] for p in apiserver.get("ports", [])}
    assert port in container_ports


def test_apiserver_healthcheck(services: dict[str, dict[str, Any]]) -> None:
    test = services["airflow-apiserver"]["healthcheck"]["test"]
    assert "/api/v2/monitor/health" in " ".join(test)


def test_depends_on_conditions(services: dict[str, dict[str, Any]]) -> None:
    allowed = {"service_started", "service_healthy", "service_completed_successfully"}
    seen = 0
    for name, service in services.items():
        for dep, spec in _depends_on(service).items():
            seen += 1
            assert dep in services, f"{name} depends on unknown service {dep}"
            assert dep != name
            condition = spec.get("condition")
            assert condition in allowed, f"{name} -> {dep}: {condition}"
            if condition == "service_healthy":
                assert services[dep].get("healthcheck"), f"{dep} has no healthcheck"
            if condition == "service_completed_successfully":
                assert dep == "airflow-init", f"{name} waits for {dep} to exit"
    assert seen
    for name in _airflow_service_names(services):
        deps = _depends_on(services[name])
        assert deps["postgres"]["condition"] == "service_healthy", name
        assert deps["redis"]["condition"] == "service_healthy", name
        if name != "airflow-init":
            assert deps["airflow-init"]["condition"] == "service_completed_successfully", name


def test_infrastructure_healthchecks(services: dict[str, dict[str, Any]]) -> None:
    postgres_check = " ".join(services["postgres"]["healthcheck"]["test"])
    assert "pg_isready" in postgres_check
    assert services["postgres"]["image"].startswith("postgres:16")
    assert "redis-cli" in " ".join(services["redis"]["healthcheck"]["test"])


def test_airflow_init_migrates_and_seeds(services: dict[str, dict[str, Any]]) -> None:
    command = services["airflow-init"]["command"]
    script = command if isinstance(command, str) else "\n".join(command)
    steps = ["airflow db migrate", "python -m pipeline migrate", "python -m pipeline seed"]
    positions = [script.find(step) for step in steps]
    assert all(p >= 0 for p in positions), script
    assert positions == sorted(positions), "migrate both databases before seeding"


def test_postgres_init_script_creates_both_databases(
    services: dict[str, dict[str, Any]],
) -> None:
    mounts = [str(v) for v in services["postgres"].get("volumes", [])]
    init_mounts = [m for m in mounts if ":/docker-entrypoint-initdb.d" in m]
    assert init_mounts, "mount the init scripts at /docker-entrypoint-initdb.d"
    source = init_mounts[0].split(":", 1)[0]
    assert (ROOT / source).resolve() == INIT_DIR.resolve()
    assert INIT_SQL.is_file()
    sql = INIT_SQL.read_text(encoding="utf-8").lower()
    for name in ("airflow", "news"):
        assert re.search(rf"create\s+(user|role)\s+{name}\b", sql), name
        assert re.search(rf"create\s+database\s+{name}\s+owner\s+{name}\b", sql), name


def test_database_urls_match_init_script(common_env: dict[str, str]) -> None:
    sql = INIT_SQL.read_text(encoding="utf-8")
    for url in (common_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"], common_env["DATABASE_URL"]):
        match = re.fullmatch(r"postgresql\+psycopg://(\w+):(\w+)@postgres/(\w+)", url)
        assert match, url
        user, password, _db = match.groups()
        assert f"CREATE USER {user} WITH PASSWORD '{password}'" in sql


def test_dockerfile_base_and_requirements() -> None:
    lines = [
        line.strip()
        for line in DOCKERFILE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert lines[0].startswith("FROM apache/airflow:3.3.2"), lines[0]
    text = "\n".join(lines)
    assert re.search(r"^COPY\s.*requirements\.txt", text, re.MULTILINE)
    assert re.search(r"pip install --no-cache-dir[^\n]*(\\\n[^\n]*)*-r \S*requirements\.txt", text)
    for directory in ("pipeline/", "sql/", "config/", "data/"):
        assert re.search(rf"^COPY\s.*{directory}\s+/opt/airflow/project/", text, re.MULTILINE)
    assert "PYTHONPATH" in text and "/opt/airflow/project" in text
    # pip must run as the airflow user, not as root.
    users = [(i, line.split()[1]) for i, line in enumerate(lines) if line.startswith("USER ")]
    pip_line = next(i for i, line in enumerate(lines) if "pip install" in line)
    active = [user for i, user in users if i < pip_line]
    assert active and active[-1] == "airflow"


def _read_env_example() -> dict[str, str]:
    values: dict[str, str] = {}
    for raw in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"not KEY=value: {raw!r}"
        values[key.strip()] = value.strip()
    return values


def test_env_example_has_no_secrets() -> None:
    values = _read_env_example()
    for key in (
        "AIRFLOW_UID",
        "AIRFLOW_JWT_SECRET",
        "_AIRFLOW_WWW_USER_USERNAME",
        "_AIRFLOW_WWW_USER_PASSWORD",
        "SLACK_BOT_TOKEN",
        "SLACK_CHANNEL",
        "SLACK_WEBHOOK_URL",
    ):
        assert key in values, key
    assert values["SLACK_BOT_TOKEN"] == ""
    assert values["SLACK_WEBHOOK_URL"] == ""
    assert values["AIRFLOW_UID"] == "50000"
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert not re.search(r"xox[abprs]-[A-Za-z0-9-]{6,}", text)
    assert "hooks.slack.com/services/" not in text


def test_env_example_covers_compose_variables() -> None:
    """Every variable compose needs without a default is documented in .env.example."""
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    required = set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:\}|:\?)", text))
    assert required <= set(_read_env_example()), required


def test_triggerer_can_import_the_feed_watcher() -> None:
    """The feed watcher trigger lives in dags/: the triggerer needs it on PYTHONPATH."""
    import yaml

    from pipeline.settings import PROJECT_ROOT

    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    env = compose["x-airflow-common"]["environment"]
    assert "/opt/airflow/dags" in env["PYTHONPATH"].split(":")
    assert "/opt/airflow/dags" in (PROJECT_ROOT / "Dockerfile").read_text().split("PYTHONPATH=")[1]
