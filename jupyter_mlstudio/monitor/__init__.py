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

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from .entities import (
        Alert,
        Execution,
        Monitor,
    )
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

# Loaded on first use (PEP 562): the server imports the monitor store for its
# scheduler tick, and must not pay for scipy and the statistics until a monitor runs.
_LAZY = {
    "CONSTRAINTS_FILE": ".baseline",
    "STATISTICS_FILE": ".baseline",
    "Baseline": ".baseline",
    "Constraints": ".baseline",
    "FeatureOverrides": ".baseline",
    "Statistics": ".baseline",
    "load_constraints": ".baseline",
    "load_statistics": ".baseline",
    "CapturedWindow": ".captures",
    "NoData": ".captures",
    "read_window": ".captures",
    "CheckReport": ".checks",
    "ConstraintViolations": ".checks",
    "DriftOptions": ".checks",
    "FeatureDrift": ".checks",
    "Violation": ".checks",
    "check": ".checks",
    "Alert": ".entities",
    "Execution": ".entities",
    "Monitor": ".entities",
    "CBPE": ".quality",
    "CBPEReference": ".quality",
    "QualityConstraints": ".quality",
    "QualityReport": ".quality",
    "model_quality": ".quality",
    "read_ground_truth": ".quality",
    "validate_ground_truth": ".quality",
    "write_ground_truth": ".quality",
    "add_ground_truth": ".sdk",
    "create_schedule": ".sdk",
    "delete_monitor": ".sdk",
    "executions": ".sdk",
    "get_monitor": ".sdk",
    "list_monitors": ".sdk",
    "run_now": ".sdk",
    "suggest_baseline": ".sdk",
    "violations": ".sdk",
}


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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # the next access is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
