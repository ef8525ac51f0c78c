"""Run a real Airflow 3 deployment as local subprocesses and drive it over its REST API.

Each component (api-server, scheduler, dag-processor, triggerer, celery worker) is its own
process group with its log in ``<root>/logs/<name>.log``; ``stop()`` terminates the groups
(SIGTERM, then SIGKILL). ``describe_failure()`` gathers what is needed to debug a run that
went wrong: task-instance states and the tails of component and task logs.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from pipeline.settings import PROJECT_ROOT

DAGS_FOLDER = PROJECT_ROOT / "dags"
ADMIN_USER = "admin"

# Settings the application reads; the pytest process may have its own values for them.
APP_ENV_KEYS = (
    "DATABASE_URL",
    "FEEDS_FILE",
    "ALERTS_FILE",
    "SEED_DIR",
    "SPACY_MODEL",
    "SLACK_BOT_TOKEN",
    "SLACK_WEBHOOK_URL",
    "SLACK_BASE_URL",
    "SLACK_CHANNEL",
    "SCHEDULE_MINUTES",
    "FEED_WATCH_SECONDS",
    "NEWS_TASK_RETRIES",
)
TERMINAL_RUN_STATES = {"success", "failed"}


class StackError(AssertionError):
    """The stack did not come up or a run did not finish as expected (message has logs)."""


def free_port() -> int:
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return f"<{path} missing>"
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(text[-lines:])


def clean_environment(base: Mapping[str, str]) -> dict[str, str]:
    """The pytest process environment without any Airflow or application settings."""
    return {
        key: value
        for key, value in base.items()
        if not key.startswith("AIRFLOW") and key not in APP_ENV_KEYS
    }


@dataclass
class Component:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path


@dataclass
class AirflowStack:
    """One Airflow deployment: a home folder, a metadata database, an API port."""

    root: Path
    metadata_url: str
    executor: str = "LocalExecutor"
    app_env: dict[str, str] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)
    admin_password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    port: int = field(default_factory=free_port)
    components: list[Component] = field(default_factory=list)
    _token: str | None = None
    watched_dags: list[str] = field(default_factory=list)  # describe_failure shows their runs

    def __post_init__(self) -> None:
        self.home = self.root / "airflow-home"
        self.log_dir = self.root / "logs"
        self.home.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.passwords_file = self.home / "simple_auth_manager_passwords.json"
        self.passwords_file.write_text(json.dumps({ADMIN_USER: self.admin_password}))
        self.jwt_secret = secrets.token_hex(32)
        self.env = self._build_env()

    # -- environment and processes ---------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _build_env(self) -> dict[str, str]:
        env = clean_environment(os.environ)
        # The project for `pipeline` and the feed watcher (`news_airflow.triggers`), which the
        # triggerer imports; the DAG folder for `news_common`.
        pythonpath = [
            str(PROJECT_ROOT),
            str(DAGS_FOLDER),
            *filter(None, [os.environ.get("PYTHONPATH")]),
        ]
        env.update(
            {
                "PYTHONPATH": os.pathsep.join(pythonpath),
                "PYTHONUNBUFFERED": "1",
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
                # the analyst page (plugins/news_analyst_page.py), served by the api-server
                "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__EXECUTOR": self.executor,
                "AIRFLOW__CORE__PARALLELISM": "4",
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base_url}/execution/",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.passwords_file),
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.metadata_url,
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": self.metadata_url,
                "AIRFLOW__API_AUTH__JWT_SECRET": self.jwt_secret,
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__WORKERS": "1",
                "AIRFLOW__API__BASE_URL": f"{self.base_url}/",
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                # Other stacks (or a developer's Airflow) may hold the default ports.
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            }
        )
        env.update(self.app_env)
        env.update(self.extra_env)
        return env

    def airflow(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run one airflow CLI command to completion (e.g. ``db migrate``)."""
        result = subprocess.run(
            [sys.executable, "-m", "airflow", *args],
            env=self.env,
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise StackError(
                f"airflow {' '.join(args)} exited {result.returncode}\n"
                f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
            )
        return result

    def start(self, name: str, *args: str) -> Component:
        """Start ``airflow <args>`` in its own process group, logging to logs/<name>.log."""
        log_path = self.log_dir / f"{name}.log"
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "airflow", *args],
                env=self.env,
                cwd=self.home,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        component = Component(name, process, log_path)
        self.components.append(component)
        return component

    def stop(self, grace: float = 20.0) -> None:
        """SIGTERM every process group, wait up to ``grace`` seconds, SIGKILL what is left."""
        for component in self.components:
            _signal_group(component.process, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for component in self.components:
            with contextlib.suppress(subprocess.TimeoutExpired):
                component.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        for component in self.components:
            # Children (task supervisors, API workers) may outlive the group leader.
            _signal_group(component.process, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                component.process.wait(timeout=10)
        self.components.clear()

    def check_alive(self) -> None:
        for component in self.components:
            code = component.process.poll()
            if code is not None:
                raise StackError(f"{component.name} exited with {code}\n{self.describe_failure()}")

    # -- REST API ----------------------------------------------------------------------------

    def wait_until(
        self, what: str, probe: Callable[[], Any], timeout: float, interval: float = 1.0
    ) -> Any:
        """Call ``probe`` until it returns something truthy; fail with the logs on timeout."""
        deadline = time.monotonic() + timeout
        last_error: BaseException | None = None
        while True:
            self.check_alive()
            try:
                result = probe()
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                result, last_error = None, exc
            if result:
                return result
            if time.monotonic() > deadline:
                raise StackError(
                    f"timed out after {timeout:.0f}s waiting for {what} "
                    f"(last error: {last_error!r})\n{self.describe_failure()}"
                )
            time.sleep(interval)

    def wait_healthy(self, timeout: float = 120, components: Iterable[str] = ()) -> dict:
        """Wait for the API server, then for the named components in its health report."""
        wanted = tuple(components)

        def probe() -> dict | None:
            response = httpx.get(f"{self.base_url}/api/v2/monitor/health", timeout=5)
            if response.status_code != 200:
                return None
            health = response.json()
            states = {name: (health.get(name) or {}).get("status") for name in wanted}
            return health if all(s == "healthy" for s in states.values()) else None

        return self.wait_until("a healthy API server", probe, timeout)

    def token(self) -> str:
        if self._token is None:
            response = httpx.post(
                f"{self.base_url}/auth/token",
                json={"username": ADMIN_USER, "password": self.admin_password},
                timeout=10,
            )
            if response.status_code != 201:
                raise StackError(f"POST /auth/token: {response.status_code} {response.text}")
            self._token = str(response.json()["access_token"])
        return self._token

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.base_url}/api/v2",
            headers={"Authorization": f"Bearer {self.token()}"},
            timeout=15,
        )

    def wait_for_dag(self, dag_id: str, timeout: float = 120) -> dict:
        with self.client() as api:

            def probe() -> dict | None:
                response = api.get(f"/dags/{dag_id}")
                return response.json() if response.status_code == 200 else None

            return self.wait_until(f"DAG {dag_id} to be parsed", probe, timeout)

    def unpause(self, dag_id: str) -> None:
        with self.client() as api:
            response = api.patch(f"/dags/{dag_id}", json={"is_paused": False})
            if response.status_code != 200 or response.json()["is_paused"]:
                raise StackError(f"unpause {dag_id}: {response.status_code} {response.text}")

    def trigger(self, dag_id: str, conf: dict | None = None) -> str:
        with self.client() as api:
            response = api.post(
                f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf or {}}
            )
            if response.status_code != 200:
                raise StackError(f"trigger {dag_id}: {response.status_code} {response.text}")
            return str(response.json()["dag_run_id"])

    def dag_runs(self, dag_id: str) -> list[dict]:
        with self.client() as api:
            response = api.get(f"/dags/{dag_id}/dagRuns", params={"limit": 100})
            response.raise_for_status()
            return list(response.json()["dag_runs"])

    def dag_run(self, dag_id: str, run_id: str) -> dict:
        with self.client() as api:
            response = api.get(f"/dags/{dag_id}/dagRuns/{run_id}")
            response.raise_for_status()
            return dict(response.json())

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        with self.client() as api:
            response = api.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")
            response.raise_for_status()
            return list(response.json()["task_instances"])

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 240) -> dict:
        """Poll a DAG run until it is terminal; anything but success fails with the logs."""
        if dag_id not in self.watched_dags:
            self.watched_dags.append(dag_id)

        def probe() -> dict | None:
            run = self.dag_run(dag_id, run_id)
            return run if run["state"] in TERMINAL_RUN_STATES else None

        run = self.wait_until(f"run {run_id} of {dag_id} to finish", probe, timeout)
        if run["state"] != "success":
            raise StackError(f"run {run_id} ended {run['state']}\n{self.describe_failure()}")
        return run

    # -- diagnostics ---------------------------------------------------------------------------

    def describe_failure(self, lines: int = 40) -> str:
        parts: list[str] = []
        for dag_id in self.watched_dags:
            try:
                for run in self.dag_runs(dag_id):
                    states = [
                        f"    {ti['task_id']}[{ti['map_index']}]: {ti['state']} "
                        f"(try {ti['try_number']}, host {ti['hostname']}, queue {ti['queue']})"
                        for ti in self.task_instances(dag_id, run["dag_run_id"])
                    ]
                    parts.append(
                        f"run {dag_id} {run['dag_run_id']} ({run['run_type']}): {run['state']}\n"
                        + ("\n".join(states) or "    (no task instances)")
                    )
            except Exception as exc:  # diagnostics must not hide the original failure
                parts.append(f"runs of {dag_id} unavailable: {exc!r}")
        for component in self.components:
            code = component.process.poll()
            status = "running" if code is None else f"exited {code}"
            parts.append(
                f"----- {component.name} ({status}), tail of {component.log_path}:\n"
                f"{tail(component.log_path, lines)}"
            )
        task_logs = sorted((self.home / "logs").glob("dag_id=*/**/*.log"))
        for path in task_logs[-6:]:
            parts.append(f"----- task log {path}:\n{tail(path, lines)}")
        return "\n".join(parts)


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)
