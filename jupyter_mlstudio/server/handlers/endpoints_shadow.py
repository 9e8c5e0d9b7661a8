"""``/endpoints/{name}/shadow/...``: compare a shadow variant with production and promote
it. Thin: the logic lives in ``serving/shadow.py`` and ``endpoints/service.py``."""

from __future__ import annotations

import tornado.web
from jupyter_server.auth.decorator import authorized

from ...api import endpoint_models, shadow_models
from .base import MLStudioHandler


class _ShadowBase(MLStudioHandler):
    auth_resource = "mlstudio:endpoints"


class ShadowCompareHandler(_ShadowBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        result = await self.call(self.studio.endpoints.shadow_compare, name)
        self.write_model(shadow_models.ShadowComparison.of(result))


class ShadowPromoteHandler(_ShadowBase):
    @authorized
    @tornado.web.authenticated
    async def post(self, name: str) -> None:
        body = (
            self.parse_body(shadow_models.ShadowPromote)
            if self.request.body
            else shadow_models.ShadowPromote()
        )
        endpoint = await self.call(
            self.studio.endpoints.promote_shadow, name, replace=body.replace, wait=False
        )
        self.emit_change("endpoints", "updated", name)
        self.write_model(endpoint_models.Endpoint.from_entity(endpoint), status=202)
