"""``/status``, ``/openapi.json`` and the catch-all 404 under the API prefix."""

from __future__ import annotations

import tornado.web
from jupyter_server.auth.decorator import authorized

from ... import __version__
from ...api import models
from ...api.openapi import SPEC_PATH
from .base import MLStudioHandler


class StatusHandler(MLStudioHandler):
    auth_resource = "mlstudio:status"

    @authorized
    @tornado.web.authenticated
    async def get(self) -> None:
        studio = self.studio
        self.write_model(
            models.Status(
                version=__version__,
                store_backend=studio.db.backend,
                store_uri=studio.store_uri_redacted,
                artifact_uri=studio.config.artifact_uri,
            )
        )


class OpenAPIHandler(MLStudioHandler):
    auth_resource = "mlstudio:status"

    @authorized
    @tornado.web.authenticated
    async def get(self) -> None:
        spec = await self.call(SPEC_PATH.read_text, encoding="utf-8")
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(spec)


class NotFoundHandler(MLStudioHandler):
    """Unknown paths under the API prefix get the JSON error shape, not an HTML page."""

    auth_resource = "mlstudio:status"

    def prepare(self) -> None:  # type: ignore[override]
        raise tornado.web.HTTPError(404, f"No ML Studio API at {self.request.path}.")
