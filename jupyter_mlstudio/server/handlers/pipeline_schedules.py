"""``/pipelines/{pipeline}/schedules``: a pipeline's schedules and event triggers, and
``/pipelines/import``: a SageMaker pipeline definition converted (and stored)."""

from __future__ import annotations

import tornado.web
from jupyter_server.auth.decorator import authorized

from ...api import pipeline_models
from ...api import pipeline_schedule_models as models
from ...api.operations import API_PREFIX
from ...errors import NotFoundError
from ...pipelines.schedules import PipelineSchedules, Trigger
from .base import MLStudioHandler


class _SchedulesBase(MLStudioHandler):
    auth_resource = "mlstudio:pipelines"

    @property
    def schedules(self) -> PipelineSchedules:
        return PipelineSchedules(self.studio)

    async def _owned(self, pipeline: str, schedule_id: str) -> Trigger:
        found = await self.call(self.schedules.get, schedule_id)
        owner = await self.call(self.studio.pipelines.get, pipeline)
        if found.pipeline_id != owner.id:
            raise NotFoundError(f"Pipeline {pipeline!r} has no schedule {schedule_id!r}.")
        return found

    async def _detail(self, trigger: Trigger) -> models.PipelineScheduleDetail:
        fires = await self.call(self.schedules.fires, trigger.id)
        return models.PipelineScheduleDetail(
            **models.PipelineSchedule.from_entity(trigger).model_dump(),
            fires=[models.PipelineScheduleFire.from_entity(f) for f in fires],
        )


class PipelineSchedulesHandler(_SchedulesBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, pipeline: str) -> None:
        items = await self.call(self.schedules.list_triggers, pipeline)
        self.write_model(
            models.PipelineScheduleList(
                items=[models.PipelineSchedule.from_entity(t) for t in items]
            )
        )

    @authorized
    @tornado.web.authenticated
    async def post(self, pipeline: str) -> None:
        body = self.parse_body(models.PipelineScheduleCreate)
        created = await self.call(
            self.schedules.create,
            pipeline,
            body.kind,
            expression=body.expression,
            source=body.source,
            parameters=body.parameters,
            event_parameters=body.event_parameters,
            enabled=body.enabled,
            base_dir=self.root_dir,
        )
        self.emit_change("pipelines", "updated", created.pipeline_id)
        self.set_header(
            "Location",
            f"{self.base_url.rstrip('/')}{API_PREFIX}/pipelines/{created.pipeline_name}"
            f"/schedules/{created.id}",
        )
        self.write_model(await self._detail(created), status=201)


class PipelineScheduleHandler(_SchedulesBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, pipeline: str, schedule_id: str) -> None:
        self.write_model(await self._detail(await self._owned(pipeline, schedule_id)))

    @authorized
    @tornado.web.authenticated
    async def patch(self, pipeline: str, schedule_id: str) -> None:
        body = self.parse_body(models.PipelineScheduleUpdate)
        await self._owned(pipeline, schedule_id)
        updated = await self.call(
            self.schedules.update,
            schedule_id,
            expression=body.expression,
            parameters=body.parameters,
            event_parameters=body.event_parameters,
            enabled=body.enabled,
        )
        self.emit_change("pipelines", "updated", updated.pipeline_id)
        self.write_model(await self._detail(updated))

    @authorized
    @tornado.web.authenticated
    async def delete(self, pipeline: str, schedule_id: str) -> None:
        found = await self._owned(pipeline, schedule_id)
        await self.call(self.schedules.delete, schedule_id)
        self.emit_change("pipelines", "updated", found.pipeline_id)
        self.set_status(204)
        self.finish()


class PipelineImportHandler(MLStudioHandler):
    auth_resource = "mlstudio:pipelines"

    @authorized
    @tornado.web.authenticated
    async def post(self) -> None:
        from ...pipelines.sagemaker_import import import_definition

        body = self.parse_body(models.SageMakerImport)
        result = await self.call(
            import_definition,
            body.definition,
            body.name,
            code_dir=body.code_dir,
            paths=body.paths,
        )
        stored = None
        if body.store:
            stored = await self.call(self.studio.pipelines.upsert, result.document)
            self.emit_change("pipelines", "created", stored.id)
        self.write_model(
            models.SageMakerImportResult(
                document=result.document,
                notes=result.notes,
                pipeline=pipeline_models.Pipeline.from_entity(stored) if stored else None,
            ),
            status=201 if stored else 200,
        )
