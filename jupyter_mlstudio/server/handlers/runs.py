"""``/runs…``, ``/experiments/{id}/runs``, ``/experiments/{id}/keys`` and ``/metric-histories``."""

from __future__ import annotations

import tornado.web
from jupyter_server.auth.decorator import authorized

from ...api import models
from ...api.operations import API_PREFIX
from ...errors import InvalidArgumentError
from ...experiments.downsample import metric_histories
from ...experiments.run_entities import metric
from ...experiments.search import split_order_by
from .base import MLStudioHandler

MAX_HISTORY_RUNS = 100
MAX_HISTORY_KEYS = 50


class _RunsBase(MLStudioHandler):
    auth_resource = "mlstudio:runs"


class ExperimentRunsHandler(_RunsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, experiment_id: str) -> None:
        query = self.parse_query(models.RunListQuery)
        await self.call(self.studio.experiments.get_experiment, experiment_id)
        order_by = split_order_by(query.order_by)
        runs = self.studio.runs
        page = await self.call(
            runs.search_runs,
            [experiment_id],
            query.filter,
            order_by,
            query.max_items,
            query.next_token,
            query.lifecycle,
        )
        total = await self.call(runs.count_runs, [experiment_id], query.filter, query.lifecycle)
        self.write_model(
            models.RunList(
                items=[models.Run.from_entity(r) for r in page.items],
                next_token=page.next_token,
                total=total,
            )
        )


class ExperimentKeysHandler(_RunsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, experiment_id: str) -> None:
        keys = await self.call(self.studio.runs.list_keys, experiment_id)
        self.write_model(models.ExperimentKeys(**keys))


class RunsHandler(_RunsBase):
    @authorized
    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.parse_body(models.RunCreate)
        run = await self.call(
            self.studio.runs.create_run,
            body.experiment_id,
            name=body.name,
            tags=body.tags,
            parent_run_id=body.parent_run_id,
        )
        self.set_header("Location", f"{self.base_url.rstrip('/')}{API_PREFIX}/runs/{run.id}")
        self.emit_change("runs", "created", run.id)
        self.write_model(models.Run.from_entity(run), status=201)


class RunHandler(_RunsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        run = await self.call(self.studio.runs.get_run, run_id)
        self.write_model(models.Run.from_entity(run))

    @authorized
    @tornado.web.authenticated
    async def patch(self, run_id: str) -> None:
        body = self.parse_body(models.RunUpdate)
        runs = self.studio.runs
        run = await self.call(
            runs.update_run, run_id, name=body.name, experiment_id=body.experiment_id
        )
        if body.status is not None:
            run = await self.call(runs.end_run, run_id, body.status)
        self.emit_change("runs", "updated", run_id)
        self.write_model(models.Run.from_entity(run))

    @authorized
    @tornado.web.authenticated
    async def delete(self, run_id: str) -> None:
        await self.call(self.studio.runs.delete_run, run_id)
        self.emit_change("runs", "deleted", run_id)
        self.set_status(204)
        self.finish()


class RunRestoreHandler(_RunsBase):
    @authorized
    @tornado.web.authenticated
    async def post(self, run_id: str) -> None:
        runs = self.studio.runs
        await self.call(runs.restore_run, run_id)
        run = await self.call(runs.get_run, run_id)
        self.emit_change("runs", "updated", run_id)
        self.write_model(models.Run.from_entity(run))


class RunBatchHandler(_RunsBase):
    @authorized
    @tornado.web.authenticated
    async def post(self, run_id: str) -> None:
        body = self.parse_body(models.LogBatch)
        metrics = [
            metric(m.key, float("nan") if m.value is None else m.value, m.step, m.timestamp)
            for m in body.metrics
        ]
        await self.call(
            self.studio.runs.log_batch, run_id, metrics=metrics, params=body.params, tags=body.tags
        )
        self.emit_change("runs", "updated", run_id)
        self.set_status(204)
        self.finish()


class RunTagHandler(_RunsBase):
    @authorized
    @tornado.web.authenticated
    async def delete(self, run_id: str, key: str) -> None:
        await self.call(self.studio.runs.delete_tag, run_id, key)
        self.emit_change("runs", "updated", run_id)
        self.set_status(204)
        self.finish()


class MetricHistoriesHandler(_RunsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self) -> None:
        query = self.parse_query(models.MetricHistoryQuery)
        run_ids = _split_list(query.run_ids, "run_ids", MAX_HISTORY_RUNS)
        keys = _split_list(query.keys, "keys", MAX_HISTORY_KEYS)
        series = await self.call(
            metric_histories, self.studio.runs, run_ids, keys, query.max_points
        )
        self.write_model(
            models.MetricHistoryList(
                items=[
                    models.MetricHistory(
                        run_id=s.run_id,
                        key=s.key,
                        points=[
                            models.MetricPoint(step=p.step, timestamp=p.timestamp, value=p.value)
                            for p in s.points
                        ],
                        total=s.total,
                        downsampled=s.downsampled,
                    )
                    for s in series
                ]
            )
        )


def _split_list(text: str, name: str, limit: int) -> list[str]:
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise InvalidArgumentError(f"{name} must name at least one value.")
    if len(items) > limit:
        raise InvalidArgumentError(f"{name} takes at most {limit} values; got {len(items)}.")
    return list(dict.fromkeys(items))
