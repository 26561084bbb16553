"""``GET /ui``: the status page (static HTML, JS and CSS shipped in the package) and ``GET /ui/api/overview``.

The page is plain files with no build step and no CDN, so it works offline and through a Function URL; its
buttons call the ordinary REST endpoints (pause, resume, restart, stop). The data comes from
``coordinator/health/overview.py``.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from connect_core.coordinator.rest.http import Response

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.coordinator.health.overview import StatusOverview
    from connect_core.coordinator.rest.http import Request, Router

__all__ = ["UI_PATH", "UiResource"]

UI_PATH = "/ui"
_ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}
_NO_STORE = {"Cache-Control": "no-store"}


@cache
def _asset(name: str) -> str:
    from importlib import resources  # lazy (tempfile, shutil): the page's assets are no cold start's

    return resources.files("connect_core.coordinator.rest.ui").joinpath(name).read_text("utf-8")


class UiResource:
    """The status page and its data."""

    def __init__(self, overview: StatusOverview) -> None:
        """Serve ``overview``'s data."""
        self.overview = overview

    def register(self, router: Router) -> None:
        """Add the page's routes."""
        for path, name in ((UI_PATH, "index.html"), (f"{UI_PATH}/app.js", "app.js"), (f"{UI_PATH}/app.css", "app.css")):
            router.add("GET", path, self._static(name))
        router.add("GET", f"{UI_PATH}/api/overview", self._data)

    @staticmethod
    def _static(name: str) -> Callable[[Request], Response]:
        return lambda _request: UiResource._file(name)

    @staticmethod
    def _file(name: str) -> Response:
        return Response(200, _asset(name), _NO_STORE, content_type=_ASSETS[name])

    def _data(self, _request: Request) -> Response:
        return Response(200, self.overview.overview(), _NO_STORE)
