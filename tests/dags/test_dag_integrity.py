"""The DAG folder parses, and every DAG follows the house rules."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pipeline.settings import PROJECT_ROOT, load_settings

EXPECTED_DAGS = {"news_monitor", "news_alerts", "news_maintenance", "news_digest"}


@pytest.fixture(scope="module")
def dagbag():  # type: ignore[no-untyped-def]
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(PROJECT_ROOT / "dags"))


def test_no_import_errors(dagbag) -> None:  # type: ignore[no-untyped-def]
    assert dagbag.import_errors == {}


def test_dag_inventory_is_pinned(dagbag) -> None:  # type: ignore[no-untyped-def]
    assert set(dagbag.dag_ids) == EXPECTED_DAGS


@pytest.mark.parametrize("dag_id", sorted(EXPECTED_DAGS))
def test_shared_defaults(dagbag, dag_id: str) -> None:  # type: ignore[no-untyped-def]
    dag = dagbag.dags[dag_id]
    assert dag.catchup is False
    assert dag.max_active_runs == (2 if dag_id == "news_monitor" else 1)
    assert dag.dagrun_timeout is not None
    assert dag.tags and dag.doc_md
    for task in dag.tasks:
        assert task.owner == "news-desk"
        assert task.execution_timeout is not None
        notifiers = task.on_failure_callback
        assert any(type(n).__name__ == "PipelineFailureNotifier" for n in notifiers)


def test_news_monitor_shape(dagbag) -> None:  # type: ignore[no-untyped-def]
    dag = dagbag.dags["news_monitor"]
    assert {t.task_id for t in dag.tasks} == {
        "prepare",
        "plan_shards",
        "process_shard",
        "report_feed_health",
        "announce_alerts",
        "summarize",
    }
    for task_id in ("announce_alerts", "report_feed_health"):
        assert dag.get_task(task_id).trigger_rule == "all_done"
    assert [o.name for o in dag.get_task("announce_alerts").outlets] == ["news_new_alerts"]
    assert dag.max_active_runs == 2  # decisions are atomic: a long run holds back no other
    assert dag.get_task("process_shard").retries == 0  # NEWS_TASK_RETRIES=0 in tests


def test_news_alerts_runs_on_the_asset_or_on_a_timer(dagbag) -> None:  # type: ignore[no-untyped-def]
    dag = dagbag.dags["news_alerts"]
    assert "news_new_alerts" in str(dag.timetable.asset_condition)
    assert dag.timetable.timetable.expression == "*/5 * * * *"


def test_news_monitor_runs_on_feed_changes_or_on_a_timer(dagbag) -> None:  # type: ignore[no-untyped-def]
    from airflow.sdk import AssetOrTimeSchedule, DeltaTriggerTimetable

    dag = dagbag.dags["news_monitor"]
    schedule = dag.timetable
    assert isinstance(schedule, AssetOrTimeSchedule)
    assert isinstance(schedule.timetable, DeltaTriggerTimetable)
    assert schedule.timetable.delta == timedelta(minutes=load_settings().schedule_minutes)
    [asset] = schedule.asset_condition.objects
    assert asset.name == "news_feeds_changed"
    [watcher] = asset.watchers
    assert watcher.name == "feed_watcher"
    classpath, kwargs = watcher.trigger.serialize()
    # The triggerer imports the class by this path (the project is on its PYTHONPATH).
    assert classpath == "news_airflow.triggers.FeedChangeTrigger"
    assert type(watcher.trigger).__name__ == "FeedChangeTrigger"
    assert set(kwargs) == {"feeds_file", "interval"}
    assert all(v is None or isinstance(v, (str, int, float)) for v in kwargs.values()), kwargs
    assert kwargs["interval"] > 0


@pytest.mark.parametrize("feeds_file", [None, "/nonexistent/feeds.yaml"])
def test_parsing_does_not_read_the_feeds_file(
    monkeypatch: pytest.MonkeyPatch, feeds_file: str | None
) -> None:
    """The watcher only records the path (or None) at parse time; it reads the file when it runs."""
    import sys

    from airflow.dag_processing.dagbag import DagBag

    if feeds_file is None:
        monkeypatch.delenv("FEEDS_FILE", raising=False)
    else:
        monkeypatch.setenv("FEEDS_FILE", feeds_file)
    monkeypatch.delenv("FEED_WATCH_SECONDS", raising=False)
    for module in ("news_common", "news_airflow.triggers"):  # re-run their module code
        monkeypatch.delitem(sys.modules, module, raising=False)
    bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags"))
    assert bag.import_errors == {}
    [asset] = bag.dags["news_monitor"].timetable.asset_condition.objects
    kwargs = asset.watchers[0].trigger.serialize()[1]
    assert kwargs == {"feeds_file": feeds_file, "interval": 15.0}


def test_pipeline_package_does_not_import_airflow() -> None:
    offenders = [
        str(p)
        for p in (PROJECT_ROOT / "pipeline").rglob("*.py")
        if any(
            line.lstrip().startswith(("import airflow", "from airflow"))
            for line in p.read_text().splitlines()
        )
    ]
    assert offenders == []
