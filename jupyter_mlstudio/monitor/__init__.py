"""Model Monitor: baselines, data-quality and drift checks, model quality, monitors on
a schedule (``docs/monitor.md``). No server imports here.

The statistics are ``baseline``, ``checks``, ``captures``, ``quality`` and ``execution``;
``service.MonitorService`` keeps monitors, runs their executions as processing jobs and
is the schedulers' tick. This package is also ``mls.monitor``, the SDK (``sdk.py``):
``suggest_baseline`` (a DataFrame here, or an endpoint's lineage by a job),
``create_schedule``, ``run_now``, ``executions``, ``violations``, ``add_ground_truth``,
``check``, ``list_monitors``, ``get_monitor``, ``delete_monitor``.
"""

from __future__ import annotations

from .baseline import (
    CONSTRAINTS_FILE,
    STATISTICS_FILE,
    Baseline,
    Constraints,
    FeatureOverrides,
    Statistics,
    load_constraints,
    load_statistics,
)
from .captures import CapturedWindow, NoData, read_window
from .checks import (
    CheckReport,
    ConstraintViolations,
    DriftOptions,
    FeatureDrift,
    Violation,
    check,
)
from .entities import Alert, Execution, Monitor
from .quality import (
    CBPE,
    CBPEReference,
    QualityConstraints,
    QualityReport,
    model_quality,
    read_ground_truth,
    validate_ground_truth,
    write_ground_truth,
)
from .sdk import (
    add_ground_truth,
    create_schedule,
    delete_monitor,
    executions,
    get_monitor,
    list_monitors,
    run_now,
    suggest_baseline,
    violations,
)

__all__ = [
    "CBPE",
    "CONSTRAINTS_FILE",
    "STATISTICS_FILE",
    "Alert",
    "Baseline",
    "CBPEReference",
    "CapturedWindow",
    "CheckReport",
    "ConstraintViolations",
    "Constraints",
    "DriftOptions",
    "Execution",
    "FeatureDrift",
    "FeatureOverrides",
    "Monitor",
    "NoData",
    "QualityConstraints",
    "QualityReport",
    "Statistics",
    "Violation",
    "add_ground_truth",
    "check",
    "create_schedule",
    "delete_monitor",
    "executions",
    "get_monitor",
    "list_monitors",
    "load_constraints",
    "load_statistics",
    "model_quality",
    "read_ground_truth",
    "read_window",
    "run_now",
    "suggest_baseline",
    "validate_ground_truth",
    "violations",
    "write_ground_truth",
]
