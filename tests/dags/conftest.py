"""Airflow runs for real here: its own metadata database in Postgres, our dags/ folder.

The environment must be set before anything imports airflow, hence at import time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator

import pytest

from pipeline.settings import PROJECT_ROOT
from tests.conftest import ADMIN_URL, _admin_execute, _with_database

METADATA_DB = f"airflow_meta_{uuid.uuid4().hex[:8]}"
METADATA_URL = _with_database(METADATA_DB)
AIRFLOW_ENV = {
    "AIRFLOW_HOME": tempfile.mkdtemp(prefix="airflow-home-"),
    "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": METADATA_URL,
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": METADATA_URL,
    "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    "NEWS_TASK_RETRIES": "0",
}
os.environ.update(AIRFLOW_ENV)
# Airflow's bundle DagBag puts the DAG folder on sys.path (so DAG files can import
# news_common); a plain DagBag in tests does not, so do the same here.
if str(PROJECT_ROOT / "dags") not in sys.path:
    sys.path.append(str(PROJECT_ROOT / "dags"))


@pytest.fixture(scope="session")
def airflow_db() -> Iterator[str]:
    """A migrated Airflow metadata database, separate from the application database."""
    import psycopg

    try:
        _admin_execute(f'CREATE DATABASE "{METADATA_DB}"')
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Postgres unreachable at {ADMIN_URL} under CI: {exc}")
        pytest.skip(f"Postgres unreachable: {exc}")
    airflow = [sys.executable, "-m", "airflow"]
    subprocess.run(
        [*airflow, "db", "migrate"],
        check=True,
        capture_output=True,
        env={**os.environ, **AIRFLOW_ENV},
        timeout=300,
    )
    yield METADATA_URL
    from airflow import settings

    settings.dispose_orm()  # close Airflow's pool first: no shutdown noise at exit
    _admin_execute(f'DROP DATABASE IF EXISTS "{METADATA_DB}" WITH (FORCE)')
