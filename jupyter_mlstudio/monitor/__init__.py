"""Model Monitor: baselines, data-quality and drift checks, model quality.

The statistics only; schedules and jobs call these functions. No server imports here.
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
from .checks import (
    CheckReport,
    ConstraintViolations,
    DriftOptions,
    FeatureDrift,
    Violation,
    check,
)

__all__ = [
    "CONSTRAINTS_FILE",
    "STATISTICS_FILE",
    "Baseline",
    "CheckReport",
    "ConstraintViolations",
    "Constraints",
    "DriftOptions",
    "FeatureDrift",
    "FeatureOverrides",
    "Statistics",
    "Violation",
    "check",
    "load_constraints",
    "load_statistics",
    "suggest_baseline",
]
