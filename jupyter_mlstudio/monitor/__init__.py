"""Model Monitor: baselines, data-quality and drift checks, model quality.

The statistics only (``docs/monitor.md``); schedules, jobs, the SDK and the REST
resource call these functions. No server imports here.
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
    suggest_baseline,
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

__all__ = [
    "CBPE",
    "CONSTRAINTS_FILE",
    "STATISTICS_FILE",
    "Baseline",
    "CBPEReference",
    "CapturedWindow",
    "CheckReport",
    "ConstraintViolations",
    "Constraints",
    "DriftOptions",
    "FeatureDrift",
    "FeatureOverrides",
    "NoData",
    "QualityConstraints",
    "QualityReport",
    "Statistics",
    "Violation",
    "check",
    "load_constraints",
    "load_statistics",
    "model_quality",
    "read_ground_truth",
    "read_window",
    "suggest_baseline",
    "validate_ground_truth",
    "write_ground_truth",
]
