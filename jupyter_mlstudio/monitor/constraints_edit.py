"""Edits of a data-quality baseline's ``constraints.json``, validated whole before
anything is written.

The executions read ``<baseline>/constraints.json``, so a saved edit is what the next
execution checks. Nothing is lost: every version is kept as
``<baseline>/constraints-versions/constraints.<n>.json`` — version 1 is the suggested
file as it was before the first edit, the highest is the current one — and "reset to
suggested" saves version 1's content as a new version. An edit names the version it was
made on; an edit of an older version (someone saved in between) is a conflict.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, get_args

import fsspec

from ..errors import ConflictError, InvalidArgumentError
from .baseline import (
    CONSTRAINTS_FILE,
    Constraints,
    FeatureConstraints,
    FeatureOverrides,
    InferredType,
    NumConstraints,
    StringConstraints,
    parse,
)
from .checks import DRIFT_METHODS, P_VALUE_METHODS

if TYPE_CHECKING:
    from .service import MonitorService

VERSIONS_FOLDER = "constraints-versions"
_VERSION_FILE = re.compile(r"^constraints\.(\d+)\.json$")
INFERRED_TYPES: tuple[str, ...] = get_args(InferredType)
#: Values a string feature's domain may list (the baseline suggests at most 100).
MAX_DOMAIN_VALUES = 10_000


@dataclass(frozen=True)
class FeatureEdit:
    """The editable part of one feature's constraints; None clears a setting."""

    name: str
    inferred_type: str
    completeness: float | None = None
    is_non_negative: bool | None = None
    domains: list[str] | None = None
    comparison_method: str | None = None
    comparison_threshold: float | None = None


@dataclass(frozen=True)
class ConstraintsVersion:
    baseline: str
    version: int  # 0: the suggested file, never edited
    features: list[FeatureEdit]
    default_threshold: float  # the distance methods' threshold of monitoring_config
    edited: bool  # differs from the suggested version


def _edit_of(feature: FeatureConstraints) -> FeatureEdit:
    overrides = feature.monitoring_config_overrides
    return FeatureEdit(
        name=feature.name,
        inferred_type=feature.inferred_type,
        completeness=feature.completeness,
        is_non_negative=feature.num_constraints.is_non_negative
        if feature.num_constraints
        else None,
        domains=list(feature.string_constraints.domains)
        if feature.string_constraints and feature.string_constraints.domains is not None
        else None,
        comparison_method=overrides.comparison_method if overrides else None,
        comparison_threshold=overrides.comparison_threshold if overrides else None,
    )


class ConstraintsFolder:
    """The constraints files of one baseline folder (a path or fsspec URL)."""

    def __init__(self, baseline: str) -> None:
        self.baseline = baseline.rstrip("/")
        self.fs, root = fsspec.core.url_to_fs(self.baseline)
        self.root = root.rstrip("/")

    @property
    def current_path(self) -> str:
        return f"{self.root}/{CONSTRAINTS_FILE}"

    def _version_path(self, version: int) -> str:
        return f"{self.root}/{VERSIONS_FOLDER}/constraints.{version}.json"

    def versions(self) -> list[int]:
        folder = f"{self.root}/{VERSIONS_FOLDER}"
        if not self.fs.isdir(folder):
            return []
        names = (str(p).rstrip("/").rsplit("/", 1)[-1] for p in self.fs.ls(folder, detail=False))
        return sorted(int(m.group(1)) for m in map(_VERSION_FILE.match, names) if m)

    def _read(self, path: str) -> tuple[dict[str, Any], Constraints]:
        if not self.fs.isfile(path):
            raise InvalidArgumentError(f"The baseline {self.baseline} has no {CONSTRAINTS_FILE}.")
        with self.fs.open(path, "r", encoding="utf-8") as handle:
            try:
                document = json.loads(handle.read())
            except ValueError as exc:
                raise InvalidArgumentError(f"{path} is not JSON: {exc}") from None
        constraints: Constraints = parse(document, Constraints, "constraints")
        return document, constraints

    def current(self) -> Constraints:
        return self._read(self.current_path)[1]

    def suggested(self) -> Constraints:
        versions = self.versions()
        return self._read(self._version_path(versions[0]) if versions else self.current_path)[1]

    def describe(self) -> ConstraintsVersion:
        current = self.current()
        versions = self.versions()
        suggested = self.suggested() if versions else current
        return ConstraintsVersion(
            baseline=self.baseline,
            version=versions[-1] if versions else 0,
            features=[_edit_of(f) for f in current.features],
            default_threshold=current.monitoring_config.distribution_constraints.comparison_threshold,
            edited=_dump(current) != _dump(suggested),
        )

    def _write(self, path: str, text: str) -> None:
        with self.fs.open(path, "w", encoding="utf-8") as handle:
            handle.write(text)

    def _create(self, path: str, text: str) -> None:
        """Write a version file that must not exist yet: of two saves made on the same
        version at once, the second finds the file there and is a conflict."""
        try:
            with self.fs.open(path, "x", encoding="utf-8") as handle:
                handle.write(text)
        except FileExistsError:
            raise ConflictError(
                "The constraints were saved by someone else at the same time: reload them "
                "and edit again."
            ) from None
        except (ValueError, NotImplementedError):  # a filesystem without exclusive create
            if self.fs.exists(path):
                raise ConflictError(
                    "The constraints were saved by someone else at the same time: reload "
                    "them and edit again."
                ) from None
            self._write(path, text)

    def save(self, constraints: Constraints, based_on: int) -> ConstraintsVersion:
        """Write ``constraints`` as a new version made on version ``based_on``."""
        versions = self.versions()
        latest = versions[-1] if versions else 0
        if based_on != latest:
            raise ConflictError(
                f"The constraints changed since version {based_on} (now version {latest}): "
                "reload them and edit again."
            )
        self.fs.makedirs(f"{self.root}/{VERSIONS_FOLDER}", exist_ok=True)
        if not versions:  # keep the suggested file as version 1 before the first edit
            with self.fs.open(self.current_path, "r", encoding="utf-8") as handle:
                self._create(self._version_path(1), handle.read())
            latest = 1
        text = _dump(constraints)
        self._create(self._version_path(latest + 1), text)
        # replace the current file in one step: an execution never reads half a file
        temporary = f"{self.root}/.{CONSTRAINTS_FILE}.{latest + 1}.tmp"
        self._write(temporary, text)
        self.fs.mv(temporary, self.current_path)
        return self.describe()


def _dump(constraints: Constraints) -> str:
    return constraints.model_dump_json(by_alias=True, exclude_none=True, indent=1) + "\n"


def _problem(name: str, message: str) -> str:
    return f"{name}: {message}"


def _check_edit(edit: FeatureEdit, known: set[str]) -> list[str]:
    problems: list[str] = []
    name = edit.name
    if name not in known:
        return [_problem(name, "not a feature of this baseline")]
    if edit.inferred_type not in INFERRED_TYPES:
        problems.append(
            _problem(
                name, f"the type is one of {', '.join(INFERRED_TYPES)}, not {edit.inferred_type!r}"
            )
        )
    numeric = edit.inferred_type in ("Integral", "Fractional")
    if edit.completeness is not None and not (
        math.isfinite(edit.completeness) and 0 <= edit.completeness <= 1
    ):
        problems.append(_problem(name, f"completeness is between 0 and 1, not {edit.completeness}"))
    if edit.is_non_negative is not None and not numeric:
        problems.append(_problem(name, "only a numerical feature can be non-negative"))
    if edit.domains is not None:
        if edit.inferred_type != "String":
            problems.append(_problem(name, "only a String feature has a domain of values"))
        elif len(edit.domains) > MAX_DOMAIN_VALUES:
            problems.append(_problem(name, f"a domain lists at most {MAX_DOMAIN_VALUES} values"))
        elif len(set(edit.domains)) != len(edit.domains):
            problems.append(_problem(name, "the domain lists a value twice"))
    method = edit.comparison_method
    if method is not None and method not in DRIFT_METHODS:
        problems.append(
            _problem(name, f"the drift method is one of {', '.join(DRIFT_METHODS)}, not {method!r}")
        )
    threshold = edit.comparison_threshold
    if threshold is not None:
        if not (math.isfinite(threshold) and threshold > 0):
            problems.append(_problem(name, f"the drift threshold is above 0, not {threshold}"))
        elif method in P_VALUE_METHODS and threshold >= 1:
            problems.append(
                _problem(name, f"a {method} threshold is a p-value below 1, not {threshold}")
            )
    return problems


def apply_edits(current: Constraints, edits: list[FeatureEdit]) -> Constraints:
    """``current`` with ``edits`` applied; every problem of every edit in one
    :class:`InvalidArgumentError` (nothing is applied when there is one). Features not
    named keep their constraints; keys this code does not know are kept."""
    known = {f.name for f in current.features}
    names = [e.name for e in edits]
    twice = sorted({n for n in names if names.count(n) > 1})
    problems = [_problem(n, "edited twice in one request") for n in twice]
    for each in edits:
        problems.extend(_check_edit(each, known))
    if problems:
        raise InvalidArgumentError("Invalid constraints: " + "; ".join(problems) + ".")
    by_name = {e.name: e for e in edits}
    features: list[FeatureConstraints] = []
    for feature in current.features:
        edit = by_name.get(feature.name)
        if edit is None:
            features.append(feature)
            continue
        numeric = edit.inferred_type in ("Integral", "Fractional")
        overrides = (
            None
            if edit.comparison_method is None and edit.comparison_threshold is None
            else FeatureOverrides(
                comparison_method=edit.comparison_method,
                comparison_threshold=edit.comparison_threshold,
            )
        )
        features.append(
            feature.model_copy(
                update={
                    "inferred_type": edit.inferred_type,
                    "completeness": edit.completeness,
                    "num_constraints": NumConstraints(is_non_negative=edit.is_non_negative)
                    if numeric and edit.is_non_negative is not None
                    else None,
                    "string_constraints": StringConstraints(domains=list(edit.domains))
                    if edit.domains is not None
                    else None,
                    "monitoring_config_overrides": overrides,
                }
            )
        )
    return current.model_copy(update={"features": features})


def _data_quality_baseline(service: MonitorService, monitor: str) -> str:
    found = service.get_monitor(monitor)
    if found.kind != "data-quality":
        raise InvalidArgumentError(
            f"Monitor {found.name} checks model quality: its constraints are metric thresholds, "
            "not per-feature constraints."
        )
    return found.baseline


def get_constraints(service: MonitorService, monitor: str) -> ConstraintsVersion:
    """The current constraints of a data-quality monitor's baseline."""
    return ConstraintsFolder(_data_quality_baseline(service, monitor)).describe()


def edit_constraints(
    service: MonitorService, monitor: str, edits: list[FeatureEdit], *, version: int
) -> ConstraintsVersion:
    """Save ``edits`` (made on ``version``) as a new version the next execution uses."""
    folder = ConstraintsFolder(_data_quality_baseline(service, monitor))
    return folder.save(apply_edits(folder.current(), edits), version)


def reset_constraints(service: MonitorService, monitor: str, *, version: int) -> ConstraintsVersion:
    """Save the suggested constraints (version 1, or the file when never edited) as a new
    version."""
    folder = ConstraintsFolder(_data_quality_baseline(service, monitor))
    return folder.save(folder.suggested(), version)
