"""``/status``, ``/openapi.json`` and the catch-all 404 under the API prefix."""

from __future__ import annotations

import tornado.web
from jupyter_server.auth.decorator import authorized

from ... import __version__
from ...api import common_models
from ...api.openapi import SPEC_PATH
from .base import MLStudioHandler


class StatusHandler(MLStudioHandler):
    auth_resource = "mlstudio:status"

    @authorized
    @tornado.web.authenticated
    async def get(self) -> None:
        studio = self.studio
        self.write_model(
            common_models.Status(
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
    """Unknown paths under the API prefix: a JSON 404 (after authentication), not HTML."""

    auth_resource = "mlstudio:status"

    def _not_found(self) -> None:
        raise tornado.web.HTTPError(404, f"No ML Studio API at {self.request.path}.")

    @authorized
    @tornado.web.authenticated
    async def get(self, *_: str) -> None:
        self._not_found()

    @authorized
    @tornado.web.authenticated
    async def post(self, *_: str) -> None:
        self._not_found()

    @authorized
    @tornado.web.authenticated
    async def put(self, *_: str) -> None:
        self._not_found()

    @authorized
    @tornado.web.authenticated
    async def patch(self, *_: str) -> None:
        self._not_found()

    @authorized
    @tornado.web.authenticated
    async def delete(self, *_: str) -> None:
        self._not_found()
