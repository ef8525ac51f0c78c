"""Airflow loads this file from its plugins folder: the analyst page (news_airflow.plugin)."""

from news_airflow.plugin import NewsAnalystPlugin

__all__ = ["NewsAnalystPlugin"]
