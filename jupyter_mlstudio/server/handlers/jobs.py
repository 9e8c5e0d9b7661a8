"""``/jobs``, ``/algorithms`` and ``/data/columns``. Paths in requests are relative to
the server's root folder, like the file browser's."""

from __future__ import annotations

import tornado.web
from jupyter_server.auth.decorator import authorized

from ...api import job_models
from ...api.operations import API_PREFIX
from ...jobs.entities import Job
from ...jobs.specs import JobSpec
from .base import MLStudioHandler


class _JobsBase(MLStudioHandler):
    auth_resource = "mlstudio:jobs"

    async def _create(self, spec: JobSpec) -> None:
        job = await self.call(
            self.studio.jobs.submit,
            spec,
            base_dir=self.root_dir,
            within_base=True,
        )
        self._created(job)

    def _created(self, job: Job) -> None:
        self.set_header("Location", f"{self.base_url.rstrip('/')}{API_PREFIX}/jobs/{job.id}")
        self.emit_change("jobs", "created", job.id)
        self.write_model(job_models.Job.from_entity(job), status=201)


class JobsHandler(_JobsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self) -> None:
        query = self.parse_query(job_models.JobListQuery)
        page = await self.call(
            self.studio.jobs.list,
            kind=query.kind,
            status=query.status,
            max_items=query.max_items,
            next_token=query.next_token,
        )
        self.write_model(
            job_models.JobList(
                items=[job_models.Job.from_entity(j) for j in page.items],
                next_token=page.next_token,
            )
        )


class TrainingJobsHandler(_JobsBase):
    @authorized
    @tornado.web.authenticated
    async def post(self) -> None:
        await self._create(self.parse_body(job_models.TrainingJobCreate))


class ProcessingJobsHandler(_JobsBase):
    @authorized
    @tornado.web.authenticated
    async def post(self) -> None:
        spec = self.parse_body(job_models.ProcessingJobCreate)
        await self.call(
            self.studio.wrangler.confine_job_code, spec.code, self.root_dir, self.data_roots
        )
        await self._create(spec)


class BatchTransformJobsHandler(_JobsBase):
    @authorized
    @tornado.web.authenticated
    async def post(self) -> None:
        await self._create(self.parse_body(job_models.BatchTransformJobCreate))


class JobHandler(_JobsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, job_id: str) -> None:
        job = await self.call(self.studio.jobs.get, job_id)
        self.write_model(job_models.Job.from_entity(job))


class JobStopHandler(_JobsBase):
    @authorized
    @tornado.web.authenticated
    async def post(self, job_id: str) -> None:
        job = await self.call(self.studio.jobs.stop, job_id)
        self.emit_change("jobs", "updated", job.id)
        self.write_model(job_models.Job.from_entity(job))


class JobCloneHandler(_JobsBase):
    @authorized
    @tornado.web.authenticated
    async def post(self, job_id: str) -> None:
        body = self.parse_body(job_models.JobClone) if self.request.body else job_models.JobClone()
        job = await self.call(
            self.studio.jobs.clone, job_id, body.name, base_dir=self.root_dir, within_base=True
        )
        self._created(job)


class JobLogHandler(_JobsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, job_id: str) -> None:
        query = self.parse_query(job_models.JobLogQuery)
        chunk = await self.call(self.studio.jobs.read_log, job_id, query.offset, query.max_bytes)
        self.write_model(
            job_models.JobLogChunk(
                text=chunk.text,
                offset=chunk.offset,
                next_offset=chunk.next_offset,
                size=chunk.size,
                complete=chunk.complete,
            )
        )


class AlgorithmsHandler(_JobsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self) -> None:
        from ...jobs.algorithms import describe_algorithms

        items = [
            job_models.Algorithm(
                name=a["name"],
                title=a["title"],
                task=a["task"],
                description=a["description"],
                needs_target=a["needs_target"],
                distributed=a["distributed"],
                metrics=a["metrics"],
                hyperparameters=a["schema"],
            )
            for a in await self.call(describe_algorithms)  # builds schemas: off the loop
        ]
        self.write_model(job_models.AlgorithmList(items=items))


class DataColumnsHandler(_JobsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self) -> None:
        query = self.parse_query(job_models.DataColumnsQuery)
        columns = await self.call(self.studio.jobs.data_columns, query.path, self.root_dir)
        self.write_model(job_models.DataColumns(path=query.path, columns=columns))
