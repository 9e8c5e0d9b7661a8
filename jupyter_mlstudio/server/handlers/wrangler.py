"""``/wrangler``: what the Data Wrangler editor asks for. Paths are relative to the
server's root folder, like the file browser's, and sources must lie under it (or a folder
allowed by ``c.MLStudio.allowed_data_roots``); the logic is in ``wrangler/service.py``."""

from __future__ import annotations

from pathlib import Path

import tornado.web
from jupyter_server.auth.decorator import authorized

from ...api import job_models, wrangler_models
from ...errors import InvalidArgumentError
from ...features.service import IngestResult
from ...wrangler import list_transforms
from .base import MLStudioHandler


class _WranglerBase(MLStudioHandler):
    auth_resource = "mlstudio:wrangler"

    def flow_path(self, relative: str) -> Path:
        """The .flow file a request names (the service checks it is inside the root)."""
        return self.studio.wrangler.flow_path(relative, self.root_dir)

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root_dir).as_posix()


class TransformsHandler(_WranglerBase):
    @authorized
    @tornado.web.authenticated
    async def get(self) -> None:
        items = await self.call(list_transforms)
        self.write_model(
            wrangler_models.TransformList(
                items=[wrangler_models.TransformInfo.model_validate(t) for t in items]
            )
        )


class FlowPreviewHandler(_WranglerBase):
    @authorized
    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.parse_body(wrangler_models.FlowPreviewRequest)
        result = await self.call(
            self.studio.wrangler.preview,
            self.flow_path(body.path),
            body.flow,
            body.node,
            body.output,
            body.rows,
            roots=self.data_roots,
        )
        self.write_model(wrangler_models.FlowPreviewResponse.model_validate(result))


class FlowReportHandler(_WranglerBase):
    @authorized
    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.parse_body(wrangler_models.FlowReportRequest)
        result = await self.call(
            self.studio.wrangler.report,
            self.flow_path(body.path),
            body.flow,
            body.node,
            body.output,
            body.target,
            roots=self.data_roots,
        )
        self.write_model(wrangler_models.FlowReportResponse.model_validate(result))


class FlowExportHandler(_WranglerBase):
    @authorized
    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.parse_body(wrangler_models.FlowExportRequest)
        if body.format == "feature-store":
            if body.feature_store is None:
                raise InvalidArgumentError('format "feature-store" needs feature_store.')
            group, result = await self.call(
                self.studio.wrangler.export_to_feature_store,
                self.flow_path(body.path),
                body.flow,
                **body.feature_store.model_dump(),
                output=body.output,
                roots=self.data_roots,
            )
            if isinstance(result, IngestResult):
                response = wrangler_models.FlowExportResponse(
                    feature_group=group.ref, rows_written=result.rows_written
                )
            else:  # a processing job ingests the full result
                self.emit_change("jobs", "created", result.id)
                response = wrangler_models.FlowExportResponse(
                    feature_group=group.ref, job_id=result.id
                )
            self.write_model(response, status=201)
            return
        written = await self.call(
            self.studio.wrangler.export,
            self.flow_path(body.path),
            body.flow,
            body.format,
            node=body.node,
            output=body.output,
            target=body.target,
            roots=self.data_roots,
        )
        self.write_model(
            wrangler_models.FlowExportResponse(path=self.relative(written)), status=201
        )


class FlowJobHandler(_WranglerBase):
    @authorized
    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.parse_body(wrangler_models.FlowJobRequest)
        job = await self.call(
            self.studio.wrangler.run_job,
            self.flow_path(body.path),
            body.output_format,
            body.name,
            body.engine,
            roots=self.data_roots,
        )
        self.emit_change("jobs", "created", job.id)
        self.write_model(job_models.Job.from_entity(job), status=201)
