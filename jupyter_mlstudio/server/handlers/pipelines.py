"""``/pipelines``: step types, validation, pipelines and their executions. Paths in a
pipeline's steps are relative to the server's root folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized

from ...api import job_models, pipeline_models
from ...api.operations import API_PREFIX
from ...errors import InvalidArgumentError
from ...pipelines.definition import step_types, validate_document
from .base import BadRequest, MLStudioHandler


class _PipelinesBase(MLStudioHandler):
    auth_resource = "mlstudio:pipelines"


class PipelineStepTypesHandler(_PipelinesBase):
    @authorized
    @tornado.web.authenticated
    async def get(self) -> None:
        self.write_model(pipeline_models.StepTypeList.model_validate({"items": step_types()}))


class PipelineValidateHandler(_PipelinesBase):
    """Any JSON object is answered: a malformed document is ``valid: false`` with its
    errors (a body that is not a JSON object is a 400)."""

    @authorized
    @tornado.web.authenticated
    async def post(self) -> None:
        raw = _document_body(self)
        if not isinstance(raw, dict):
            raise BadRequest("The request body must be a JSON object (a .pipeline document).")
        _validated, issues = await self.call(validate_document, raw)
        self.write_model(
            pipeline_models.PipelineValidation(
                valid=not issues,
                errors=[pipeline_models.PipelineIssue.from_entity(i) for i in issues],
            )
        )


def _document_body(handler: MLStudioHandler) -> Any:
    try:
        return json.loads(handler.request.body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc}.") from exc


class PipelinesHandler(_PipelinesBase):
    @authorized
    @tornado.web.authenticated
    async def get(self) -> None:
        items = await self.call(self.studio.pipelines.list_pipelines)
        self.write_model(
            pipeline_models.PipelineList(
                items=[pipeline_models.Pipeline.from_entity(p) for p in items]
            )
        )

    @authorized
    @tornado.web.authenticated
    async def post(self) -> None:
        """Create a pipeline from a document, or add a version to the one of its name."""
        pipeline = await self.call(self.studio.pipelines.upsert, _document_body(self))
        self.emit_change("pipelines", "created", pipeline.id)
        self.set_header(
            "Location", f"{self.base_url.rstrip('/')}{API_PREFIX}/pipelines/{pipeline.name}"
        )
        self.write_model(await _detail(self, pipeline.name), status=201)


async def _detail(handler: _PipelinesBase, ref: str) -> pipeline_models.PipelineDetail:
    pipeline = await handler.call(handler.studio.pipelines.get, ref)
    version = await handler.call(handler.studio.pipelines.version, pipeline.id)
    return pipeline_models.PipelineDetail(
        **pipeline_models.Pipeline.from_entity(pipeline).model_dump(),
        document=version.document,
    )


class PipelineHandler(_PipelinesBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, pipeline: str) -> None:
        self.write_model(await _detail(self, pipeline))

    @authorized
    @tornado.web.authenticated
    async def delete(self, pipeline: str) -> None:
        found = await self.call(self.studio.pipelines.get, pipeline)
        await self.call(self.studio.pipelines.delete, found.id)
        self.emit_change("pipelines", "deleted", found.id)
        self.set_status(204)
        self.finish()


class PipelineVersionsHandler(_PipelinesBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, pipeline: str) -> None:
        versions = await self.call(self.studio.pipelines.versions, pipeline)
        self.write_model(
            pipeline_models.PipelineVersionList(
                items=[
                    pipeline_models.PipelineVersionInfo(
                        version=v.version, created_at=v.created_at, document=v.document
                    )
                    for v in versions
                ]
            )
        )


class PipelineExecutionsHandler(_PipelinesBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, pipeline: str) -> None:
        query = self.parse_query(pipeline_models.PipelineExecutionListQuery)
        items = await self.call(
            self.studio.pipelines.executions,
            pipeline,
            status=query.status,
            max_items=query.max_items,
        )
        self.write_model(
            pipeline_models.PipelineExecutionList(
                items=[pipeline_models.PipelineExecution.from_entity(e) for e in items]
            )
        )

    @authorized
    @tornado.web.authenticated
    async def post(self, pipeline: str) -> None:
        body = self.parse_body(pipeline_models.PipelineExecutionStart)
        base_dir = await self.call(self._base_dir, pipeline, body.base_dir)
        execution = await self.call(
            self.studio.pipelines.start,
            pipeline,
            body.parameters,
            version=body.version,
            base_dir=base_dir,
        )
        self.emit_change("pipeline-executions", "created", execution.id)
        self.set_header(
            "Location",
            f"{self.base_url.rstrip('/')}{API_PREFIX}/pipeline-executions/{execution.id}",
        )
        self.write_model(await _execution(self, execution.id), status=201)

    def _base_dir(self, pipeline: str, given: str | None) -> Path:
        """Where the execution reads its relative paths: the folder asked for, else where
        the pipeline last ran (a JumpStart project's folder, an editor file's folder),
        else the root. Always a folder under the root."""
        root = self.root_dir
        if given is not None:
            try:
                folder = (root / given).resolve()
                found = folder.is_relative_to(root) and folder.is_dir()
            except (OSError, ValueError):  # a name too long, a NUL byte
                found = False
            if not found:
                shown = given if len(given) <= 200 else f"{given[:200]}…"
                raise InvalidArgumentError(f"base_dir: {shown!r} is not a folder under the root.")
            return folder
        latest = self.studio.pipelines.executions(pipeline=pipeline, max_items=1)
        if latest and latest[0].base_dir:
            folder = Path(latest[0].base_dir).resolve()
            if folder.is_relative_to(root) and folder.is_dir():
                return folder
        return root


async def _execution(
    handler: _PipelinesBase, execution_id: str
) -> pipeline_models.PipelineExecution:
    execution = await handler.call(handler.studio.pipelines.get_execution, execution_id)
    steps = await handler.call(handler.studio.pipelines.steps, execution_id)
    return pipeline_models.PipelineExecution.from_entity(execution, steps)


class PipelineExecutionHandler(_PipelinesBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, execution_id: str) -> None:
        self.write_model(await _execution(self, execution_id))


class PipelineExecutionStopHandler(_PipelinesBase):
    @authorized
    @tornado.web.authenticated
    async def post(self, execution_id: str) -> None:
        await self.call(self.studio.pipelines.stop, execution_id)
        self.emit_change("pipeline-executions", "updated", execution_id)
        self.write_model(await _execution(self, execution_id))


class PipelineExecutionRetryHandler(_PipelinesBase):
    @authorized
    @tornado.web.authenticated
    async def post(self, execution_id: str) -> None:
        body = self.parse_body(pipeline_models.PipelineExecutionRetry)
        execution = await self.call(self.studio.pipelines.retry, execution_id, body.from_step)
        self.emit_change("pipeline-executions", "created", execution.id)
        self.write_model(await _execution(self, execution.id), status=201)


class PipelineStepLogHandler(_PipelinesBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, execution_id: str, step: str) -> None:
        query = self.parse_query(pipeline_models.PipelineStepLogQuery)
        chunk = await self.call(self.studio.pipelines.step_log, execution_id, step, query.offset)
        self.write_model(
            job_models.JobLogChunk(
                text=chunk.text,
                offset=chunk.offset,
                next_offset=chunk.next_offset,
                size=chunk.size,
                complete=chunk.complete,
            )
        )
