"""The district-control page as a FastAPI app mounted by Airflow's api-server (plugin).

Airflow does not authenticate plugin apps, so every page and API route here depends on
Airflow's own `get_user` (its JWT, from the UI's cookie or a bearer token): an anonymous
request is refused (API) or sent to the login page (the page itself). The one route
open without an Airflow login is Slack's interactivity endpoint, which instead checks
Slack's request signature with the app's signing secret and refuses forged, stale and
replayed requests.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse

log = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")
URL_PREFIX = "/news"


class LazyResources:
    """The pipeline's resources, built on the first request (the api-server imports
    plugins before any request; a wrong DATABASE_URL must not stop Airflow's UI)."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._built: Any = None
        self._lock = threading.Lock()

    def get(self) -> Any:
        with self._lock:
            if self._built is None:
                self._built = self._build()
            return self._built


def live_resources() -> Any:
    from pipeline.resources import Resources
    from pipeline.settings import load_settings

    return Resources.live(load_settings())


def airflow_user() -> Callable[..., Any]:
    """Airflow's own authentication dependency (JWT from the cookie or bearer header)."""
    from airflow.api_fastapi.core_api.security import get_user

    return get_user


def create_app(
    resources: Callable[[], Any] = live_resources,
    authenticate: Callable[..., Any] | None = None,
) -> FastAPI:
    """The app; `authenticate` defaults to Airflow's, `resources` to the live ones."""
    app = FastAPI(title="District control", docs_url=None, redoc_url=None, openapi_url=None)
    lazy = LazyResources(resources)
    user = Depends(authenticate or airflow_user())

    @app.exception_handler(HTTPException)
    async def _refused(request: Request, exc: HTTPException) -> Any:
        """The page itself sends an anonymous browser to Airflow's login and back."""
        inside = request.url.path.removeprefix(request.scope.get("root_path", ""))
        wants_page = inside in ("", "/") and request.method == "GET"
        if exc.status_code in (401, 403) and wants_page:
            return RedirectResponse(f"/auth/login?next={quote(str(request.url), safe='')}")
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)

    @app.get("/", dependencies=[user])
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    @app.get("/static/{name}", dependencies=[user])
    def static(name: str) -> FileResponse:
        path = (STATIC / name).resolve()
        if path.parent != STATIC.resolve() or not path.is_file():
            raise HTTPException(404, "not found")
        return FileResponse(path)

    @app.get("/api/map", dependencies=[user])
    def api_map(at: date | None = None) -> dict[str, Any]:
        from pipeline.outputs.page import map_data

        return map_data(lazy.get().store, at)

    @app.get("/api/districts/{code}", dependencies=[user])
    def api_district(code: str) -> dict[str, Any]:
        from pipeline.outputs.page import NotFound, district_data

        try:
            return district_data(lazy.get().store, code)
        except NotFound as exc:
            raise HTTPException(404, str(exc)) from None

    @app.get("/api/changes", dependencies=[user])
    def api_changes(limit: int = Query(50, ge=1, le=500)) -> dict[str, Any]:
        from pipeline.outputs.page import latest_changes

        return {"changes": latest_changes(lazy.get().store, limit)}

    @app.get("/api/incidents", dependencies=[user])
    def api_incidents(limit: int = Query(50, ge=1, le=500)) -> dict[str, Any]:
        from pipeline.outputs.page import incident_rows

        return {"incidents": incident_rows(lazy.get().store, limit)}

    @app.get("/api/alerts", dependencies=[user])
    def api_alerts(limit: int = Query(50, ge=1, le=500)) -> dict[str, Any]:
        from pipeline.outputs.page import alert_rows, mute_rows

        store = lazy.get().store
        return {"alerts": alert_rows(store, limit=limit), "mutes": mute_rows(store)}

    @app.post("/slack/interactivity")
    async def slack_interactivity(request: Request) -> JSONResponse:
        body = await request.body()
        status, answer = await _interaction(lazy, body, dict(request.headers))
        return JSONResponse(answer, status_code=status)

    return app


async def _interaction(lazy: LazyResources, body: bytes, headers: dict[str, str]) -> Any:
    """Verify and store a button click off the event loop (the store is synchronous)."""
    import asyncio

    return await asyncio.to_thread(record_interaction, lazy.get(), body, headers)


def record_interaction(resources: Any, body: bytes, headers: dict[str, str]) -> Any:
    """(HTTP status, JSON answer) for one Slack interactivity request."""
    from slack_sdk.signature import SignatureVerifier

    from pipeline.alerts.feedback import ACTION_LABELS, InteractionRefused, handle_interaction
    from pipeline.store import utcnow

    secret = resources.settings.slack_signing_secret
    if not secret:
        log.error("Slack interactivity refused: SLACK_SIGNING_SECRET is not set")
        return 503, {"detail": "interactivity is not configured (SLACK_SIGNING_SECRET unset)"}
    try:
        clicks = handle_interaction(
            resources.store, SignatureVerifier(secret), body, headers, utcnow()
        )
    except InteractionRefused as exc:
        log.warning("Slack interactivity refused (%s): %s", exc.status, exc)
        return exc.status, {"detail": str(exc)}
    said = ", ".join(f"{ACTION_LABELS[c.action]} by {c.user_name or c.user_id}" for c in clicks)
    return 200, {"text": f"Recorded: {said}.", "replace_original": False}
