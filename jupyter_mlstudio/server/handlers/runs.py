"""``/runs…``, ``/experiments/{id}/runs``, ``/experiments/{id}/keys`` and ``/metric-histories``."""

from __future__ import annotations

import tornado.web
from jupyter_server.auth.decorator import authorized

from ...api import experiment_models
from ...api.operations import API_PREFIX
from ...experiments.run_entities import metric
from .base import MLStudioHandler


class _RunsBase(MLStudioHandler):
    auth_resource = "mlstudio:runs"


class ExperimentRunsHandler(_RunsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, experiment_id: str) -> None:
        query = self.parse_query(experiment_models.RunListQuery)
        page, total = await self.call(
            self.studio.experiments.search_experiment_runs,
            experiment_id,
            query.filter,
            query.order_by,
            query.max_items,
            query.next_token,
            query.lifecycle,
        )
        self.write_model(
            experiment_models.RunList(
                items=[experiment_models.Run.from_entity(r) for r in page.items],
                next_token=page.next_token,
                total=total,
            )
        )


class ExperimentKeysHandler(_RunsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, experiment_id: str) -> None:
        keys = await self.call(self.studio.experiments.list_keys, experiment_id)
        self.write_model(experiment_models.ExperimentKeys(**keys))


class RunsHandler(_RunsBase):
    @authorized
    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.parse_body(experiment_models.RunCreate)
        run = await self.call(
            self.studio.experiments.create_run,
            body.experiment_id,
            name=body.name,
            tags=body.tags,
            parent_run_id=body.parent_run_id,
        )
        self.set_header("Location", f"{self.base_url.rstrip('/')}{API_PREFIX}/runs/{run.id}")
        self.emit_change("runs", "created", run.id)
        self.write_model(experiment_models.Run.from_entity(run), status=201)


class RunHandler(_RunsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        run = await self.call(self.studio.experiments.get_run, run_id)
        self.write_model(experiment_models.Run.from_entity(run))

    @authorized
    @tornado.web.authenticated
    async def patch(self, run_id: str) -> None:
        body = self.parse_body(experiment_models.RunUpdate)
        run = await self.call(
            self.studio.experiments.update_run,
            run_id,
            name=body.name,
            experiment_id=body.experiment_id,
            status=body.status,
        )
        self.emit_change("runs", "updated", run_id)
        self.write_model(experiment_models.Run.from_entity(run))

    @authorized
    @tornado.web.authenticated
    async def delete(self, run_id: str) -> None:
        await self.call(self.studio.experiments.delete_run, run_id)
        self.emit_change("runs", "deleted", run_id)
        self.set_status(204)
        self.finish()


class RunRestoreHandler(_RunsBase):
    @authorized
    @tornado.web.authenticated
    async def post(self, run_id: str) -> None:
        run = await self.call(self.studio.experiments.restore_run, run_id)
        self.emit_change("runs", "updated", run_id)
        self.write_model(experiment_models.Run.from_entity(run))


class RunBatchHandler(_RunsBase):
    @authorized
    @tornado.web.authenticated
    async def post(self, run_id: str) -> None:
        body = self.parse_body(experiment_models.LogBatch)
        metrics = [
            metric(m.key, float("nan") if m.value is None else m.value, m.step, m.timestamp)
            for m in body.metrics
        ]
        await self.call(
            self.studio.experiments.log_batch,
            run_id,
            metrics=metrics,
            params=body.params,
            tags=body.tags,
        )
        self.emit_change("runs", "updated", run_id)
        self.set_status(204)
        self.finish()


class RunTagHandler(_RunsBase):
    @authorized
    @tornado.web.authenticated
    async def delete(self, run_id: str, key: str) -> None:
        await self.call(self.studio.experiments.delete_tag, run_id, key)
        self.emit_change("runs", "updated", run_id)
        self.set_status(204)
        self.finish()


class MetricHistoriesHandler(_RunsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self) -> None:
        query = self.parse_query(experiment_models.MetricHistoryQuery)
        series = await self.call(
            self.studio.experiments.metric_histories, query.run_ids, query.keys, query.max_points
        )
        self.write_model(
            experiment_models.MetricHistoryList(
                items=[
                    experiment_models.MetricHistory(
                        run_id=s.run_id,
                        key=s.key,
                        points=[
                            experiment_models.MetricPoint(
                                step=p.step, timestamp=p.timestamp, value=p.value
                            )
                            for p in s.points
                        ],
                        total=s.total,
                        downsampled=s.downsampled,
                    )
                    for s in series
                ]
            )
        )
