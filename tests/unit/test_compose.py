"""Structure checks for docker-compose.yml, Dockerfile, the Postgres init script, .env.example.

There is no Docker engine in CI, so the compose file is tested as YAML data.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
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
PLUGINS_DIR = ROOT / "plugins"
README = ROOT / "README.md"

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
# One-shot helpers, not part of the running stack: they need not wait for airflow-init.
ONE_SHOT_SERVICES = ("airflow-init", "airflow-cli")
# `${AIRFLOW_UID:-50000}:0`, as in x-airflow-common's `user`.
AIRFLOW_OWNER = "${AIRFLOW_UID:-50000}:0"
# How pipeline/ and dags/ name the environment variables they read.
ENV_READS = (
    r'alias="([A-Z][A-Z0-9_]+)"',
    r'environ\.get\("([A-Z][A-Z0-9_]+)"',
    r'\benv\.get\("([A-Z][A-Z0-9_]+)"',
    r'_env_\w+\(env, "([A-Z][A-Z0-9_]+)"',
    r'^[A-Z_]+_ENV = "([A-Z][A-Z0-9_]+)"',
)


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


def _default(value: str) -> str:
    """The value compose uses when the variable is unset: `${NAME:-default}` -> `default`."""
    match = re.fullmatch(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-(.*)\}", value)
    return match.group(1) if match else value


def _compose_text_unescaped() -> str:
    """The compose file with `$$` (a literal dollar for the shell) taken out."""
    return COMPOSE_FILE.read_text(encoding="utf-8").replace("$$", "")


def _script(service: dict[str, Any]) -> str:
    command = service["command"]
    return command if isinstance(command, str) else "\n".join(command)


def _shell_lines(script: str) -> list[str]:
    """Script lines with backslash continuations joined."""
    return script.replace("\\\n", " ").splitlines()


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
    assert common["user"] == AIRFLOW_OWNER
    for name in names:
        service = services[name]
        assert service.get("image") == common["image"], name
        assert service.get("build") == common["build"], name
        # airflow-init alone runs as root, to create and chown the mounted folders.
        expected_user = "0:0" if name == "airflow-init" else common["user"]
        assert service.get("user") == expected_user, name
        env = _env(service)
        for key, value in common_env.items():
            assert env.get(key) == value, f"{name}: {key} differs from x-airflow-common"
        volumes = service.get("volumes") or []
        assert volumes == common["volumes"], name


def test_common_volumes_mount_project_directories(common: dict[str, Any]) -> None:
    sources = {str(v).split(":", 1)[0] for v in common["volumes"]}
    assert {"./dags", "./plugins", "./config", "./data", "./logs"} <= sources
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
    # Overridable from .env (environment wins over env_file, so it must be interpolated).
    assert ENV_VAR_REF.findall(common_env["DATABASE_URL"]) == ["DATABASE_URL"]
    app_url = _default(common_env["DATABASE_URL"])
    assert app_url.startswith("postgresql+psycopg://news:")
    assert app_url.endswith("@postgres/news")
    assert app_url != common_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
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
        if name not in ONE_SHOT_SERVICES:
            assert deps["airflow-init"]["condition"] == "service_completed_successfully", name


def test_long_running_services_wait_for_init(services: dict[str, dict[str, Any]]) -> None:
    waiting = {
        name
        for name, service in services.items()
        if _depends_on(service).get("airflow-init", {}).get("condition")
        == "service_completed_successfully"
    }
    expected = set(_airflow_service_names(services)) - set(ONE_SHOT_SERVICES)
    assert {"airflow-apiserver", "airflow-scheduler", "airflow-worker", "flower"} <= expected
    assert waiting == expected


def test_infrastructure_healthchecks(services: dict[str, dict[str, Any]]) -> None:
    postgres_check = " ".join(services["postgres"]["healthcheck"]["test"])
    assert "pg_isready" in postgres_check
    assert services["postgres"]["image"].startswith("postgres:16")
    assert "redis-cli" in " ".join(services["redis"]["healthcheck"]["test"])


def test_airflow_init_migrates_and_seeds(services: dict[str, dict[str, Any]]) -> None:
    script = _script(services["airflow-init"])
    assert "set -euo pipefail" in script, "a failed step must fail airflow-init"
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
    app_url = _default(common_env["DATABASE_URL"])
    for url in (common_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"], app_url):
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
        "AIRFLOW__CORE__FERNET_KEY",
        "_AIRFLOW_WWW_USER_USERNAME",
        "_AIRFLOW_WWW_USER_PASSWORD",
        "DATABASE_URL",
        "SLACK_BOT_TOKEN",
        "SLACK_CHANNEL",
        "SLACK_WEBHOOK_URL",
    ):
        assert key in values, key
    # Secrets are left empty: compose refuses to start until real ones are filled in,
    # so a published placeholder can never end up signing tokens or encrypting data.
    for key in ("AIRFLOW_JWT_SECRET", "AIRFLOW__CORE__FERNET_KEY", "SLACK_BOT_TOKEN"):
        assert values[key] == "", key
    assert values["SLACK_WEBHOOK_URL"] == ""
    assert values["AIRFLOW_UID"] == "50000"
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert not re.search(r"xox[abprs]-[A-Za-z0-9-]{6,}", text)
    assert "hooks.slack.com/services/" not in text


def test_env_example_covers_compose_variables() -> None:
    """Every ${VARIABLE} compose interpolates has a line (a value) in .env.example."""
    text = _compose_text_unescaped()
    # Only the braced form is used, so the search below sees every variable.
    assert not re.search(r"\$(?!\{)", text), "write ${NAME}, or $$ for a literal dollar"
    used = set(ENV_VAR_REF.findall(text))
    assert {"AIRFLOW_UID", "AIRFLOW__CORE__FERNET_KEY", "AIRFLOW_JWT_SECRET"} <= used
    missing = used - set(_read_env_example())
    assert not missing, f"not in .env.example: {sorted(missing)}"


def test_env_example_comments_every_variable() -> None:
    """Each KEY=value line, active or commented out, follows a one-line description."""
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    assignment = re.compile(r"#?([A-Za-z_][A-Za-z0-9_]*)=")
    seen: set[str] = set()
    for index, line in enumerate(lines):
        match = assignment.match(line)
        if not match:
            continue
        key = match.group(1)
        assert key not in seen, f"{key} twice"
        seen.add(key)
        previous = lines[index - 1] if index else ""
        assert previous.startswith("# ") and len(previous) > 4, f"{key}: no comment above"
        assert not assignment.match(previous), f"{key}: no comment above"
    assert len(seen) >= 10


def test_env_example_documents_pipeline_settings(common_env: dict[str, str]) -> None:
    """Every variable the pipeline reads can be looked up in .env.example.

    Names that docker-compose.yml sets to a fixed value (FEEDS_FILE) are exempt: env_file
    cannot override them.
    """
    names: set[str] = set()
    sources = [*(ROOT / "pipeline").rglob("*.py"), *(ROOT / "news_airflow").rglob("*.py")]
    for path in [*sources, *(ROOT / "dags").glob("*.py")]:
        source = path.read_text(encoding="utf-8")
        for pattern in ENV_READS:
            names |= set(re.findall(pattern, source, re.MULTILINE))
    assert {"DATABASE_URL", "SLACK_BOT_TOKEN", "SLACK_CHANNEL", "FEED_WATCH_SECONDS"} <= names
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    documented = set(re.findall(r"^#?([A-Za-z_][A-Za-z0-9_]*)=", text, re.MULTILINE))
    fixed = {name for name, value in common_env.items() if "${" not in value}
    missing = names - documented - fixed
    assert not missing, f"document in .env.example: {sorted(missing)}"


def _env_example_command(secret: str) -> list[str]:
    """The `python3 -c '...'` command the comment above `secret=` gives, as argv."""
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(f"{secret}="))
    comment = lines[index - 1]
    _, sep, command = comment.partition("make one with: ")
    assert sep, f"{secret}: say how to make one"
    argv = shlex.split(command)
    assert argv[:2] == ["python3", "-c"], argv
    return argv


def test_env_example_fernet_key_command_makes_a_valid_key() -> None:
    from cryptography.fernet import Fernet

    argv = _env_example_command("AIRFLOW__CORE__FERNET_KEY")
    result = subprocess.run(
        [sys.executable, *argv[1:]], capture_output=True, text=True, check=True, timeout=60
    )
    key = result.stdout.strip()
    fernet = Fernet(key)
    assert fernet.decrypt(fernet.encrypt(b"xoxb")) == b"xoxb"
    # The README's docker compose section gives the same command.
    assert shlex.join(argv) in README.read_text(encoding="utf-8")


def test_env_example_jwt_secret_command_makes_a_long_secret() -> None:
    argv = _env_example_command("AIRFLOW_JWT_SECRET")
    result = subprocess.run(
        [sys.executable, *argv[1:]], capture_output=True, text=True, check=True, timeout=60
    )
    assert len(result.stdout.strip()) >= 32


def test_env_file_on_every_airflow_service(
    services: dict[str, dict[str, Any]], common: dict[str, Any]
) -> None:
    optional_env = {"path": ".env", "required": False}
    assert common["env_file"] == [optional_env]
    for name in _airflow_service_names(services):
        assert services[name].get("env_file") == [optional_env], name
    # The database and the broker get no Airflow secrets.
    for name in ("postgres", "redis"):
        assert "env_file" not in services[name], name


def test_fernet_key_comes_from_env_and_is_required(
    services: dict[str, dict[str, Any]], common_env: dict[str, str]
) -> None:
    value = common_env["AIRFLOW__CORE__FERNET_KEY"]
    match = re.fullmatch(r"\$\{AIRFLOW__CORE__FERNET_KEY:\?(.+)\}", value)
    assert match, f"take the key from .env and fail without one: {value}"
    assert ".env" in match.group(1), "the error should say where to set it"
    for name in _airflow_service_names(services):
        assert _env(services[name])["AIRFLOW__CORE__FERNET_KEY"] == value, name
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    assert len(re.findall(r"^\s*[\w.-]*FERNET_KEY\s*:", text, re.MULTILINE)) == 1


def test_airflow_init_prepares_mounted_folders_before_migrating(
    services: dict[str, dict[str, Any]], common: dict[str, Any]
) -> None:
    init = services["airflow-init"]
    assert init["user"] == "0:0", "creating and chowning the mounts needs root"
    script = _script(init)
    before = _shell_lines(script[: script.index("airflow db migrate")])
    targets = [str(v).split(":")[1] for v in common["volumes"]]
    assert {"/opt/airflow/logs", "/opt/airflow/dags", "/opt/airflow/plugins"} <= set(targets)
    mkdirs = " ".join(line for line in before if line.strip().startswith("mkdir -p "))
    for target in targets:
        assert target in mkdirs.split(), f"mkdir -p {target} before migrating"
    # Logs (and the UI passwords volume) always go to the Airflow user...
    owner = f'"{AIRFLOW_OWNER}"'
    assert common["user"] == AIRFLOW_OWNER
    recursive = [line.split() for line in before if line.strip().startswith("chown -R ")]
    assert any(
        words[2] == owner and {"/opt/airflow/logs", "/opt/airflow/auth"} <= set(words)
        for words in recursive
    ), recursive
    # ... also what the root steps write there later, even when one of them fails.
    assert re.search(r"^trap '.*chown -R .*/opt/airflow/logs.*' EXIT$", script, re.MULTILINE)
    # ... and every other mount point is handed over when Docker created it as root.
    loop = next(line for line in before if line.strip().startswith("for dir in "))
    handled = {w.rstrip(";") for w in loop.split()} | {w for words in recursive for w in words}
    assert set(targets) <= handled
    assert f'chown {owner} "$$dir"' in script


def test_airflow_cli_debug_profile(
    services: dict[str, dict[str, Any]], common: dict[str, Any]
) -> None:
    cli = services["airflow-cli"]
    assert cli["profiles"] == ["debug"], "only started by `docker compose run airflow-cli`"
    command = cli["command"]
    argv = shlex.split(command) if isinstance(command, str) else command
    assert argv[0] == "airflow"
    assert cli["user"] == common["user"]
    assert _env(cli)["CONNECTION_CHECK_MAX_COUNT"] == "0"
    deps = _depends_on(cli)
    assert deps["postgres"]["condition"] == "service_healthy"
    assert "airflow-init" not in deps, "the CLI must also work while init is failing"
    assert "ports" not in cli and "healthcheck" not in cli and "restart" not in cli


def test_plugins_folder_is_mounted_and_in_the_repository(
    common: dict[str, Any], common_env: dict[str, str]
) -> None:
    assert "./plugins:/opt/airflow/plugins" in common["volumes"]
    assert common_env["AIRFLOW__CORE__PLUGINS_FOLDER"] == "/opt/airflow/plugins"
    assert PLUGINS_DIR.is_dir()
    readme = PLUGINS_DIR / "README.md"
    assert readme.is_file() or (PLUGINS_DIR / ".gitkeep").is_file()
    if readme.is_file():
        assert "/opt/airflow/plugins" in readme.read_text(encoding="utf-8")
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^COPY\s.*plugins/\s+/opt/airflow/plugins/", dockerfile, re.MULTILINE)


def test_readme_compose_steps_need_no_mkdir() -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index("### docker compose")
    end = text.find("\n## ", start)
    section = text[start : end if end != -1 else len(text)]
    assert "cp .env.example .env" in section
    assert "AIRFLOW__CORE__FERNET_KEY" in section
    commands = "\n".join(re.findall(r"```sh\n(.*?)```", section, re.DOTALL))
    assert "docker compose up airflow-init" in commands
    assert "mkdir" not in commands
    assert "docker compose run --rm airflow-cli" in section
    header = COMPOSE_FILE.read_text(encoding="utf-8").split("\nx-airflow-common:", 1)[0]
    assert "mkdir" not in header


def test_triggerer_can_import_the_feed_watcher() -> None:
    """The feed watcher trigger lives in dags/: the triggerer needs it on PYTHONPATH."""
    import yaml

    from pipeline.settings import PROJECT_ROOT

    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    env = compose["x-airflow-common"]["environment"]
    assert "/opt/airflow/dags" in env["PYTHONPATH"].split(":")
    assert "/opt/airflow/dags" in (PROJECT_ROOT / "Dockerfile").read_text().split("PYTHONPATH=")[1]
