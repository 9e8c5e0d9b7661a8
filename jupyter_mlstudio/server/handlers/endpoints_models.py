"""``/endpoints/{name}/models``: a multi-model endpoint's models (loaded or not, with
their metrics) and widening its allowed models. Thin: the logic lives in
``endpoints/multi_model.py`` and ``serving/multi_model.py``."""

from __future__ import annotations

import tornado.web
from jupyter_server.auth.decorator import authorized

from ...api import multi_model_models
from .base import MLStudioHandler


class EndpointModelsHandler(MLStudioHandler):
    auth_resource = "mlstudio:endpoints"

    @authorized
    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        listing = await self.call(self.studio.endpoints.models, name)
        self.write_model(multi_model_models.EndpointModels.model_validate(listing))

    @authorized
    @tornado.web.authenticated
    async def post(self, name: str) -> None:
        body = self.parse_body(multi_model_models.EndpointModelsAdd)
        allowed = await self.call(self.studio.endpoints.add_models, name, body.models)
        self.emit_change("endpoints", "updated", name)
        self.write_model(multi_model_models.EndpointModelsAdded(allowed=allowed))
