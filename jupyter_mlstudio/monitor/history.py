"""A monitor's results over time: the drift of each feature, or the model's realized and
estimated quality, across its executions — what the UI's charts draw.

Read from each execution's ``report.json`` and kept compact (no histograms, no rows): a
few numbers per feature and execution, so the history of 100 executions of a 30-feature
monitor stays a few hundred kB at most.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .entities import Execution, ExecutionStatus, MonitorKind

if TYPE_CHECKING:
    from .service import MonitorService

#: Executions a history covers at most (the newest).
MAX_EXECUTIONS = 500
_P_FLOOR = 1e-300  # a p-value of 0 (float underflow) still orders and plots


@dataclass(frozen=True)
class DriftPoint:
    execution_id: str
    time: datetime  # the end of the execution's window
    method: str
    statistic: float | None
    p_value: float | None
    threshold: float
    drifted: bool

    @property
    def severity(self) -> float | None:
        """How far past its threshold the test is, comparable across methods: 1 at the
        threshold, above 1 drifted. A distance over its threshold; for a p-value test,
        ``log p / log threshold`` (p = threshold → 1; smaller p → larger)."""
        from .checks import P_VALUE_METHODS  # scipy: only once a history is read

        if self.method in P_VALUE_METHODS:
            if self.p_value is None or not 0 < self.threshold < 1:
                return None
            return math.log(max(self.p_value, _P_FLOOR)) / math.log(self.threshold)
        if self.statistic is None or self.threshold <= 0:
            return None
        return self.statistic / self.threshold


@dataclass(frozen=True)
class FeatureHistory:
    name: str
    kind: str  # "numerical" or "categorical"
    points: list[DriftPoint]  # oldest first

    @property
    def drifted_count(self) -> int:
        return sum(p.drifted for p in self.points)

    @property
    def max_severity(self) -> float:
        found = [s for s in (p.severity for p in self.points) if s is not None]
        return max(found, default=0.0)


@dataclass(frozen=True)
class QualityPoint:
    execution_id: str
    time: datetime
    problem_type: str | None
    labelled_rows: int
    metrics: dict[str, float | None]  # realized: accuracy, f1, auc… or mae, rmse, r2
    estimated_accuracy: float | None  # CBPE, from the probabilities alone


@dataclass(frozen=True)
class ExecutionPoint:
    id: str
    time: datetime
    status: ExecutionStatus
    violations: int


@dataclass(frozen=True)
class MonitorHistory:
    monitor_id: str
    kind: MonitorKind
    executions: list[ExecutionPoint]  # oldest first
    # most drifted first: by how many executions drifted, then by the worst severity
    features: list[FeatureHistory] = field(default_factory=list)
    quality: list[QualityPoint] = field(default_factory=list)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _drift_points(
    execution: Execution, report: dict[str, Any], features: dict[str, tuple[str, list[DriftPoint]]]
) -> None:
    for entry in report.get("features") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            continue
        threshold = _number(entry.get("threshold"))
        if threshold is None:
            continue
        point = DriftPoint(
            execution_id=execution.id,
            time=execution.window_end,
            method=str(entry.get("method", "")),
            statistic=_number(entry.get("statistic")),
            p_value=_number(entry.get("p_value")),
            threshold=threshold,
            drifted=bool(entry.get("drifted", False)),
        )
        kind = "categorical" if entry.get("kind") == "categorical" else "numerical"
        features.setdefault(entry["name"], (kind, []))[1].append(point)


def _quality_point(execution: Execution, report: dict[str, Any]) -> QualityPoint | None:
    quality = report.get("quality")
    estimated = _number(report.get("estimated_accuracy"))
    if not isinstance(quality, dict) and estimated is None:
        return None
    metrics: dict[str, float | None] = {}
    problem_type: str | None = None
    if isinstance(quality, dict):
        problem_type = (
            quality.get("problem_type") if isinstance(quality.get("problem_type"), str) else None
        )
        raw = quality.get("metrics")
        if isinstance(raw, dict):
            metrics = {str(k): _number(v) for k, v in raw.items()}
    rows = report.get("labelled_rows")
    return QualityPoint(
        execution_id=execution.id,
        time=execution.window_end,
        problem_type=problem_type,
        labelled_rows=rows if isinstance(rows, int) and not isinstance(rows, bool) else 0,
        metrics=metrics,
        estimated_accuracy=estimated,
    )


def monitor_history(
    service: MonitorService, monitor: str, *, max_items: int = 100
) -> MonitorHistory:
    """The history of ``monitor`` (name or id) over its newest ``max_items`` executions.
    Executions without a report (running, failed) are listed but add no points."""
    found = service.get_monitor(monitor)
    executions = service.executions(found.id, max_items=min(max(max_items, 1), MAX_EXECUTIONS))
    executions = sorted(executions, key=lambda e: (e.window_end, e.scheduled_time))
    features: dict[str, tuple[str, list[DriftPoint]]] = {}
    quality: list[QualityPoint] = []
    for execution in executions:
        if execution.status not in ("Completed", "CompletedWithViolations"):
            continue  # NoData and Failed have nothing to draw
        report = service.report(execution.id)
        if report is None:
            continue
        if found.kind == "data-quality":
            _drift_points(execution, report, features)
        else:
            point = _quality_point(execution, report)
            if point is not None:
                quality.append(point)
    histories = [FeatureHistory(name, kind, points) for name, (kind, points) in features.items()]
    histories.sort(key=lambda h: (-h.drifted_count, -h.max_severity, h.name))
    return MonitorHistory(
        monitor_id=found.id,
        kind=found.kind,
        executions=[ExecutionPoint(e.id, e.window_end, e.status, e.violations) for e in executions],
        features=histories,
        quality=quality,
    )
