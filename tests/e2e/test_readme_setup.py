"""The README's local Airflow block, run exactly as written: `airflow standalone` comes up
with the four news DAGs parsed and no import error."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest

from pipeline.settings import PROJECT_ROOT
from tests.e2e.airflow_stack import ADMIN_USER, clean_environment, free_port

pytestmark = pytest.mark.slow

EXPECTED_DAGS = {"news_monitor", "news_alerts", "news_digest", "news_maintenance"}
BLOCK = re.compile(r"<!-- local-airflow -->\s*```sh\n(.*?)```", re.DOTALL)
STARTUP_SECONDS = 300


def readme_block() -> str:
    found = BLOCK.search((PROJECT_ROOT / "README.md").read_text(encoding="utf-8"))
    assert found, "README.md lost its <!-- local-airflow --> block"
    return found.group(1)


def _drop(*names: str) -> None:
    for name in names:
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", name],
            check=False,
            capture_output=True,
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_the_readme_block_starts_airflow_with_every_dag(tmp_path: Path) -> None:
    suffix = uuid.uuid4().hex[:8]
    airflow_db, news_db = f"readme_airflow_{suffix}", f"readme_news_{suffix}"
    port, password = free_port(), secrets.token_hex(8)
    passwords = tmp_path / "passwords.json"
    passwords.write_text(json.dumps({ADMIN_USER: password}))
    env = {
        **clean_environment(os.environ),
        # what the block leaves to the reader: where, which databases, which port
        "AIRFLOW_HOME": str(tmp_path / "airflow-home"),
        "AIRFLOW_DB": airflow_db,
        "NEWS_DB": news_db,
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}/",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
        "PATH": os.environ["PATH"],
    }
    env.pop("PYTHONPATH", None)  # the block must set it itself
    log = (tmp_path / "standalone.log").open("wb")
    process = subprocess.Popen(
        ["bash", "-euc", readme_block()],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        dags, errors = _wait_for_dags(port, password, process, tmp_path / "standalone.log")
        assert dags >= EXPECTED_DAGS, dags
        assert errors == [], errors
    finally:
        _stop(process)
        log.close()
        _drop(airflow_db, news_db)


def _wait_for_dags(
    port: int, password: str, process: subprocess.Popen[bytes], log: Path
) -> tuple[set[str], list[str]]:
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    last = "not started"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the README block exited {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            token = httpx.post(
                f"{base}/auth/token",
                json={"username": ADMIN_USER, "password": password},
                timeout=5,
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            found = httpx.get(f"{base}/api/v2/dags?limit=100", headers=headers, timeout=10)
            dags = {d["dag_id"] for d in found.json()["dags"]}
            errors = httpx.get(f"{base}/api/v2/importErrors", headers=headers, timeout=10)
            messages = [e["stack_trace"][-300:] for e in errors.json()["import_errors"]]
            if dags >= EXPECTED_DAGS or messages:
                return dags, messages
            last = f"DAGs so far: {sorted(dags)}"
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(2)
    pytest.fail(f"no DAGs after {STARTUP_SECONDS} s ({last}):\n{log.read_text()[-4000:]}")
