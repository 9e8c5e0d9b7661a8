"""``/experiments`` and ``/experiments/{experiment_id}``."""

from __future__ import annotations

import tornado.web
from jupyter_server.auth.decorator import authorized

from ...api import experiment_models
from ...api.operations import API_PREFIX
from .base import MLStudioHandler


class _ExperimentsBase(MLStudioHandler):
    auth_resource = "mlstudio:experiments"


class ExperimentsHandler(_ExperimentsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self) -> None:
        query = self.parse_query(experiment_models.ExperimentListQuery)
        page = await self.call(
            self.studio.experiments.list_experiments,
            query.max_items,
            query.next_token,
            name=query.name,
        )
        self.write_model(
            experiment_models.ExperimentList(
                items=[experiment_models.Experiment.from_entity(e) for e in page.items],
                next_token=page.next_token,
            )
        )

    @authorized
    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.parse_body(experiment_models.ExperimentCreate)
        created = await self.call(
            self.studio.experiments.create_experiment, body.name, body.description, body.tags
        )
        self.set_header(
            "Location", f"{self.base_url.rstrip('/')}{API_PREFIX}/experiments/{created.id}"
        )
        self.emit_change("experiments", "created", created.id)
        self.write_model(experiment_models.Experiment.from_entity(created), status=201)


class ExperimentHandler(_ExperimentsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, experiment_id: str) -> None:
        found = await self.call(self.studio.experiments.get_experiment, experiment_id)
        self.write_model(experiment_models.Experiment.from_entity(found))

    @authorized
    @tornado.web.authenticated
    async def patch(self, experiment_id: str) -> None:
        body = self.parse_body(experiment_models.ExperimentUpdate)
        updated = await self.call(
            self.studio.experiments.update_experiment,
            experiment_id,
            name=body.name,
            description=body.description,
            tags=body.tags,
        )
        self.emit_change("experiments", "updated", updated.id)
        self.write_model(experiment_models.Experiment.from_entity(updated))

    @authorized
    @tornado.web.authenticated
    async def delete(self, experiment_id: str) -> None:
        await self.call(self.studio.experiments.delete_experiment, experiment_id)
        self.emit_change("experiments", "deleted", experiment_id)
        self.set_status(204)
        self.finish()
