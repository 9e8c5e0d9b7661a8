"""``/monitors``, ``/monitor-executions`` and ``/monitor-alerts``: Model Monitor over REST.
A monitor is addressed by its id or its name. Paths in requests (a table, a baseline
folder) are relative to the server's root folder and must stay inside it (or inside
``c.MLStudio.allowed_data_roots``); the logic is in ``monitor/service.py``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import tornado.web
from jupyter_server.auth.decorator import authorized

from ...api import monitor_models
from ...api.operations import API_PREFIX
from ...errors import InvalidArgumentError
from ...monitor.entities import Monitor
from ...paths import confine
from ...store.pagination import decode_token, encode_token
from .base import MLStudioHandler

if TYPE_CHECKING:
    from ...monitor.constraints_edit import FeatureEdit

MAX_OFFSET = 1_000_000_000  # a forged token must not overflow the database's LIMIT


class _MonitorBase(MLStudioHandler):
    auth_resource = "mlstudio:monitors"

    def local_path(self, path: str, label: str) -> str:
        """A request's path (relative to the root folder), resolved and confined."""
        if "://" in path:
            raise InvalidArgumentError(
                f"{label}: a path relative to the server's root folder, not a URL ({path})."
            )
        return str(confine(self.root_dir / path.lstrip("/"), self.data_roots, label=label))

    def write_monitor(self, monitor: Monitor, status: int = 200) -> None:
        self.write_model(monitor_models.Monitor.from_entity(monitor), status=status)


class MonitorsHandler(_MonitorBase):
    @authorized
    @tornado.web.authenticated
    async def get(self) -> None:
        query = self.parse_query(monitor_models.MonitorListQuery)
        monitors = await self.call(self.studio.monitor.list_monitors, endpoint=query.endpoint)
        self.write_model(
            monitor_models.MonitorList(
                items=[monitor_models.Monitor.from_entity(m) for m in monitors]
            )
        )

    @authorized
    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.parse_body(monitor_models.MonitorCreate)
        data = None if body.data is None else self.local_path(body.data, "data")
        baseline = None if body.baseline is None else self.local_path(body.baseline, "baseline")
        options = dict(body.options or {})
        monitor = await self.call(
            self.studio.monitor.create_monitor,
            body.name,
            endpoint=body.endpoint,
            data=data,
            kind=body.kind,
            baseline=baseline,
            schedule=body.schedule,
            options=options,
            webhook_url=body.webhook_url,
            webhook_secret=body.webhook_secret,
            pipeline=body.pipeline,
        )
        self.set_header(
            "Location", f"{self.base_url.rstrip('/')}{API_PREFIX}/monitors/{monitor.id}"
        )
        self.emit_change("monitors", "created", monitor.id)
        self.write_monitor(monitor, status=201)


class MonitorHandler(_MonitorBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, monitor: str) -> None:
        self.write_monitor(await self.call(self.studio.monitor.get_monitor, monitor))

    @authorized
    @tornado.web.authenticated
    async def delete(self, monitor: str) -> None:
        found = await self.call(self.studio.monitor.get_monitor, monitor)
        await self.call(self.studio.monitor.delete_monitor, found.id)
        self.emit_change("monitors", "deleted", found.id)
        self.set_status(204)
        self.finish()


class MonitorStopHandler(_MonitorBase):
    @authorized
    @tornado.web.authenticated
    async def post(self, monitor: str) -> None:
        stopped = await self.call(self.studio.monitor.stop_monitor, monitor)
        self.emit_change("monitors", "updated", stopped.id)
        self.write_monitor(stopped)


class MonitorStartHandler(_MonitorBase):
    @authorized
    @tornado.web.authenticated
    async def post(self, monitor: str) -> None:
        started = await self.call(self.studio.monitor.start_monitor, monitor)
        self.emit_change("monitors", "updated", started.id)
        self.write_monitor(started)


class MonitorRunHandler(_MonitorBase):
    @authorized
    @tornado.web.authenticated
    async def post(self, monitor: str) -> None:
        body = (
            self.parse_body(monitor_models.RunNow) if self.request.body else monitor_models.RunNow()
        )
        execution = await self.call(
            self.studio.monitor.run_now, monitor, start=body.start, end=body.end
        )
        self.set_header(
            "Location",
            f"{self.base_url.rstrip('/')}{API_PREFIX}/monitor-executions/{execution.id}",
        )
        self.emit_change("monitor-executions", "created", execution.id)
        self.write_model(monitor_models.Execution.from_entity(execution), status=201)


class MonitorGroundTruthHandler(_MonitorBase):
    @authorized
    @tornado.web.authenticated
    async def post(self, monitor: str) -> None:
        body = self.parse_body(monitor_models.GroundTruthAdd)
        path = Path(self.local_path(body.path, "ground truth"))
        endpoint, rows, written = await self.call(
            self.studio.monitor.add_ground_truth_file, monitor, path, body.problem_type
        )
        self.write_model(
            monitor_models.GroundTruthAdded(endpoint=endpoint, rows=rows, file=written),
            status=201,
        )


class MonitorExecutionsHandler(_MonitorBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, monitor: str) -> None:
        query = self.parse_query(monitor_models.ExecutionListQuery)
        offset = decode_token(query.next_token)
        if offset > MAX_OFFSET:
            raise InvalidArgumentError("next_token is not a token this server issued.")
        # the store returns the newest first: one more than the page says whether another follows
        executions = await self.call(
            self.studio.monitor.executions, monitor, max_items=offset + query.max_items + 1
        )
        page = executions[offset : offset + query.max_items]
        more = len(executions) > offset + query.max_items
        self.write_model(
            monitor_models.ExecutionList(
                items=[monitor_models.Execution.from_entity(e) for e in page],
                next_token=encode_token(offset + query.max_items) if more else None,
            )
        )


class MonitorExecutionHandler(_MonitorBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, execution_id: str) -> None:
        execution = await self.call(self.studio.monitor.get_execution, execution_id)
        self.write_model(monitor_models.Execution.from_entity(execution))


class MonitorViolationsHandler(_MonitorBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, execution_id: str) -> None:
        found = await self.call(self.studio.monitor.violations, execution_id)
        self.write_model(
            monitor_models.ViolationList(
                items=[
                    monitor_models.Violation(
                        feature_name=v.get("feature_name"),
                        metric_name=v.get("metric_name"),
                        constraint_check_type=str(v.get("constraint_check_type", "")),
                        description=str(v.get("description", "")),
                    )
                    for v in found
                    if isinstance(v, dict)
                ]
            )
        )


class MonitorReportHandler(_MonitorBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, execution_id: str) -> None:
        execution = await self.call(self.studio.monitor.get_execution, execution_id)
        report = await self.call(self.studio.monitor.report, execution.id)
        self.write_model(
            monitor_models.ExecutionReport(
                execution_id=execution.id, status=execution.status, report=report
            )
        )


class MonitorAlertsHandler(_MonitorBase):
    @authorized
    @tornado.web.authenticated
    async def get(self) -> None:
        query = self.parse_query(monitor_models.MonitorAlertListQuery)
        alerts = await self.call(
            self.studio.monitor.alerts, after_id=query.after_id, monitor=query.monitor
        )
        self.write_model(
            monitor_models.MonitorAlertList(
                items=[monitor_models.MonitorAlert.from_entity(a) for a in alerts]
            )
        )


class MonitorHistoryHandler(_MonitorBase):
    """Drift per feature or model quality across a monitor's executions (the charts)."""

    @authorized
    @tornado.web.authenticated
    async def get(self, monitor: str) -> None:
        from ...monitor.history import monitor_history  # pandas: only once monitors are used

        query = self.parse_query(monitor_models.MonitorHistoryQuery)
        history = await self.call(
            monitor_history, self.studio.monitor, monitor, max_items=query.max_items
        )
        self.write_model(monitor_models.MonitorHistory.from_entity(history))


def _feature_edit(feature: monitor_models.FeatureConstraint) -> FeatureEdit:
    from ...monitor.constraints_edit import FeatureEdit

    return FeatureEdit(**feature.model_dump())


class MonitorConstraintsHandler(_MonitorBase):
    """A data-quality monitor's baseline constraints: read, edit (a new version)."""

    @authorized
    @tornado.web.authenticated
    async def get(self, monitor: str) -> None:
        from ...monitor.constraints_edit import get_constraints

        found = await self.call(self.studio.monitor.get_monitor, monitor)
        constraints = await self.call(get_constraints, self.studio.monitor, found.id)
        self.write_model(monitor_models.MonitorConstraints.from_entity(found.id, constraints))

    @authorized
    @tornado.web.authenticated
    async def put(self, monitor: str) -> None:
        from ...monitor.constraints_edit import edit_constraints

        body = self.parse_body(monitor_models.ConstraintsEdit)
        found = await self.call(self.studio.monitor.get_monitor, monitor)
        edits = [_feature_edit(f) for f in body.features]
        saved = await self.call(
            edit_constraints, self.studio.monitor, found.id, edits, version=body.version
        )
        self.emit_change("monitors", "updated", found.id)
        self.write_model(monitor_models.MonitorConstraints.from_entity(found.id, saved))


class MonitorConstraintsResetHandler(_MonitorBase):
    @authorized
    @tornado.web.authenticated
    async def post(self, monitor: str) -> None:
        from ...monitor.constraints_edit import reset_constraints

        body = self.parse_body(monitor_models.ConstraintsReset)
        found = await self.call(self.studio.monitor.get_monitor, monitor)
        saved = await self.call(
            reset_constraints, self.studio.monitor, found.id, version=body.version
        )
        self.emit_change("monitors", "updated", found.id)
        self.write_model(monitor_models.MonitorConstraints.from_entity(found.id, saved))
