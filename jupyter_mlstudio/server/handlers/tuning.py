"""``/tuning-jobs``: tuning jobs and their trials. A tuning job is addressed by its id or
its name; paths in its training spec are relative to the server's root folder and must
stay inside it (as for training jobs)."""

from __future__ import annotations

from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized

from ...api import tuning_models
from ...api.operations import API_PREFIX
from ...tuning.entities import TuningJob
from .base import MLStudioHandler


class _TuningBase(MLStudioHandler):
    auth_resource = "mlstudio:tuning-jobs"

    def _created(self, job: TuningJob) -> tuning_models.TuningJob:
        self.set_header("Location", f"{self.base_url.rstrip('/')}{API_PREFIX}/tuning-jobs/{job.id}")
        self.emit_change("tuning-jobs", "created", job.id)
        return tuning_models.TuningJob.from_entity(job)


class TuningJobsHandler(_TuningBase):
    @authorized
    @tornado.web.authenticated
    async def get(self) -> None:
        query = self.parse_query(tuning_models.TuningJobListQuery)
        page = await self.call(
            self.studio.tuning.list,
            status=query.status,
            max_items=query.max_items,
            next_token=query.next_token,
        )
        self.write_model(
            tuning_models.TuningJobList(
                items=[tuning_models.TuningJob.from_entity(j) for j in page.items],
                next_token=page.next_token,
            )
        )

    @authorized
    @tornado.web.authenticated
    async def post(self) -> None:
        spec = self.parse_body(tuning_models.TuningJobCreate)
        job = await self.call(
            self.studio.tuning.create, spec, base_dir=self.root_dir, within_base=True
        )
        self.write_model(self._created(job), status=201)


class TuningJobHandler(_TuningBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, tuning_job: str) -> None:
        job = await self.call(self.studio.tuning.get, tuning_job)
        self.write_model(tuning_models.TuningJob.from_entity(job))


class SageMakerTuningJobsHandler(TuningJobHandler):
    """POST creates from a SageMaker config; GET (inherited) is the tuning job that
    happens to be named ``sagemaker``, so that name stays readable."""

    @authorized
    @tornado.web.authenticated
    async def post(self, tuning_job: str) -> None:  # tuning_job: always 'sagemaker'
        body = self.parse_body(tuning_models.SageMakerTuningJobCreate)
        overrides: dict[str, Any] = {}
        if body.name is not None:
            overrides["name"] = body.name
        if body.warm_start is not None:
            overrides["warm_start"] = body.warm_start
        job, ignored = await self.call(
            self.studio.tuning.create_from_sagemaker,
            body.config,
            body.training,
            base_dir=self.root_dir,
            within_base=True,
            **overrides,
        )
        created = self._created(job)
        self.write_model(
            tuning_models.SageMakerTuningJobCreated(tuning_job=created, ignored_fields=ignored),
            status=201,
        )


class TuningJobStopHandler(_TuningBase):
    @authorized
    @tornado.web.authenticated
    async def post(self, tuning_job: str) -> None:
        job = await self.call(self.studio.tuning.stop, tuning_job)
        self.emit_change("tuning-jobs", "updated", job.id)
        self.write_model(tuning_models.TuningJob.from_entity(job))


class TuningJobCloneHandler(_TuningBase):
    @authorized
    @tornado.web.authenticated
    async def post(self, tuning_job: str) -> None:
        body = (
            self.parse_body(tuning_models.TuningJobClone)
            if self.request.body
            else tuning_models.TuningJobClone()
        )
        changes: dict[str, Any] = body.model_dump(
            include={"warm_start", "limits", "strategy"}, exclude_none=True, mode="json"
        )
        job = await self.call(
            self.studio.tuning.clone,
            tuning_job,
            body.name,
            warm_start_from_source=body.warm_start_from_source,
            base_dir=self.root_dir,
            within_base=True,
            **changes,
        )
        self.write_model(self._created(job), status=201)


class TuningTrialsHandler(_TuningBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, tuning_job: str) -> None:
        query = self.parse_query(tuning_models.TrialListQuery)
        job = await self.call(self.studio.tuning.get, tuning_job)
        page = await self.call(
            self.studio.tuning.list_trials,
            job.id,
            state=query.state,
            sort_by=query.sort_by,
            descending=None if query.order is None else query.order == "desc",
            max_items=query.max_items,
            next_token=query.next_token,
        )
        self.write_model(
            tuning_models.TrialList(
                items=[tuning_models.TrialInfo.from_entity(job.id, t) for t in page.items],
                total=page.total,
                next_token=page.next_token,
            )
        )


class TuningImportancesHandler(_TuningBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, tuning_job: str) -> None:
        job = await self.call(self.studio.tuning.get, tuning_job)
        importances = await self.call(self.studio.tuning.importances, job.id)
        ranked = sorted(importances.items(), key=lambda item: -item[1])
        self.write_model(
            tuning_models.Importances(
                items=[tuning_models.ParamImportance(param=k, importance=v) for k, v in ranked],
                completed_trials=job.counts.completed,
            )
        )


class TuningParetoHandler(_TuningBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, tuning_job: str) -> None:
        job = await self.call(self.studio.tuning.get, tuning_job)
        front = await self.call(self.studio.tuning.pareto_front, job.id)
        self.write_model(
            tuning_models.ParetoFront(
                objectives=tuning_models.TuningJob.from_entity(job).objectives,
                items=[tuning_models.TrialInfo.from_entity(job.id, t) for t in front],
            )
        )


class TuningWarmStartReportHandler(_TuningBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, tuning_job: str) -> None:
        job = await self.call(self.studio.tuning.get, tuning_job)
        report = await self.call(self.studio.tuning.warm_start_report, job.id)
        sources = [str(ref) for ref in job.spec.get("warm_start", [])]
        self.write_model(tuning_models.WarmStartReport.from_entity(sources, report))
