"""The Airflow plugin: the district-control page in Airflow's UI (api-server).

`plugins/news_analyst_page.py` imports `NewsAnalystPlugin` so that Airflow finds it.
The app is mounted at /news; the external view puts "District control" in the UI's
Browse menu and shows the page inside Airflow (same login, same origin).
"""

from __future__ import annotations

from typing import Any, ClassVar

from airflow.plugins_manager import AirflowPlugin

from news_airflow.web.app import URL_PREFIX, create_app


class NewsAnalystPlugin(AirflowPlugin):
    name = "news_analyst_page"
    fastapi_apps: ClassVar[list[dict[str, Any]]] = [
        {"app": create_app(), "url_prefix": URL_PREFIX, "name": "District control page"}
    ]
    external_views: ClassVar[list[dict[str, Any]]] = [
        {
            "name": "District control",
            "href": f"{URL_PREFIX.lstrip('/')}/",
            "url_route": "district-control",
            "destination": "nav",
            "category": "browse",
        }
    ]
