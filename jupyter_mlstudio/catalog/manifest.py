"""The ``manifest.yaml`` of a catalog entry: a pydantic model (extra fields refused).

The contract is ``docs/jumpstart.md``; every entry folder holds one manifest and the
assets it names (paths relative to the folder).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import InvalidArgumentError

FORMAT = "mlstudio.catalog-entry"
MANIFEST_FILE = "manifest.yaml"
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
RESERVED_NAMES = frozenset({"launches"})  # a REST path segment under /catalog

TASKS = (
    "classification",
    "regression",
    "forecasting",
    "clustering",
    "anomaly-detection",
    "image-classification",
)
Task = Literal[
    "classification",
    "regression",
    "forecasting",
    "clustering",
    "anomaly-detection",
    "image-classification",
]
ParameterType = Literal["Float", "Integer", "String", "Boolean"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DataInfo(_Strict):
    source: str = Field(description="Where the data comes from (a package, a seeded recipe).")
    rows: int | None = Field(default=None, ge=0)
    size_mb: float | None = Field(default=None, ge=0)


class Resources(_Strict):
    ram_mb: int = Field(default=500, ge=0, description="Free memory a launch needs.")
    disk_mb: int = Field(default=50, ge=0, description="Free disk a launch needs.")
    minutes: float = Field(default=1.0, ge=0, description="About how long a launch takes.")


class ParameterSpec(_Strict):
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    type: ParameterType
    default: Any = None
    description: str = ""
    choices: list[Any] | None = None
    minimum: float | None = None
    maximum: float | None = None

    @model_validator(mode="after")
    def _default_fits(self) -> ParameterSpec:
        if self.default is not None:
            self.default = self.coerce(self.default)
        if self.choices is not None:
            self.choices = [self.coerce(c) for c in self.choices]
        return self

    def coerce(self, value: Any) -> Any:
        """``value`` as this parameter's type, checked against its choices and bounds;
        ValueError names the parameter."""
        kind = self.type
        try:
            if kind == "Boolean":
                if isinstance(value, str):
                    if value.lower() in ("true", "1", "yes", "on"):
                        result: Any = True
                    elif value.lower() in ("false", "0", "no", "off"):
                        result = False
                    else:
                        raise ValueError
                elif isinstance(value, bool | int):
                    result = bool(value)
                else:
                    raise ValueError
            elif kind == "Integer":
                if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                    raise ValueError
                result = int(value)
            elif kind == "Float":
                if isinstance(value, bool):
                    raise ValueError
                result = float(value)
            else:
                if not isinstance(value, str | int | float) or isinstance(value, bool):
                    raise ValueError
                result = str(value)
        except (TypeError, ValueError):
            raise ValueError(
                f"parameter {self.name!r} must be a{'n' if kind == 'Integer' else ''} "
                f"{kind}, not {value!r}"
            ) from None
        if self.choices is not None and result not in self.choices:
            raise ValueError(
                f"parameter {self.name!r} must be one of {self.choices}, not {value!r}"
            )
        if kind in ("Integer", "Float"):
            if self.minimum is not None and result < self.minimum:
                raise ValueError(f"parameter {self.name!r} must be at least {self.minimum}")
            if self.maximum is not None and result > self.maximum:
                raise ValueError(f"parameter {self.name!r} must be at most {self.maximum}")
        return result


class Assets(_Strict):
    notebook: str | None = None
    pipeline: str | None = None
    flow: str | None = None
    data_recipe: str | None = None
    steps: str | None = None
    model: str | None = None
    input_example: str | None = None

    @field_validator("*")
    @classmethod
    def _relative(cls, value: str | None) -> str | None:
        if value is not None:
            path = Path(value)
            if path.is_absolute() or ".." in path.parts or not value.strip():
                raise ValueError(f"{value!r} must be a path inside the entry folder")
        return value


class CatalogManifest(_Strict):
    format: Literal["mlstudio.catalog-entry"]
    version: Literal[1] = 1
    name: str = Field(pattern=NAME_PATTERN, max_length=64)
    kind: Literal["solution", "model"]
    title: str = Field(min_length=1)
    task: Task
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    licence: str = ""
    data: DataInfo | None = None
    resources: Resources = Field(default_factory=Resources)
    parameters: list[ParameterSpec] = Field(default_factory=list)
    creates: list[str] = Field(default_factory=list)
    assets: Assets = Field(default_factory=Assets)
    model_name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    endpoint_name: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*$")
    monitor: bool = False
    metrics: dict[str, float] = Field(default_factory=dict)
    # pre-built models: how "fine-tune on my data" trains (a built-in algorithm)
    algorithm: str | None = None
    hyperparameters: dict[str, Any] = Field(default_factory=dict)
    target: str | None = None

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value in RESERVED_NAMES:
            raise ValueError(f"{value!r} is reserved")
        return value

    @model_validator(mode="after")
    def _assets_of_kind(self) -> CatalogManifest:
        names = [p.name for p in self.parameters]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate parameters: {', '.join(duplicates)}")
        if self.kind == "solution" and self.assets.pipeline is None:
            raise ValueError("a solution names its pipeline in assets.pipeline")
        if self.kind == "model" and self.assets.model is None:
            raise ValueError("a pre-built model names its model folder in assets.model")
        if self.kind == "model" and self.model_name is None:
            raise ValueError("a pre-built model needs model_name")
        return self

    def parameter_values(self, given: dict[str, Any] | None) -> dict[str, Any]:
        """The launch's parameter values: ``given`` over the defaults, typed and checked.
        InvalidArgumentError names the parameter."""
        given = dict(given or {})
        declared = {p.name: p for p in self.parameters}
        unknown = sorted(set(given) - set(declared) - {"project"})
        if unknown:
            raise InvalidArgumentError(
                f"{self.name} has no parameter {', '.join(map(repr, unknown))} "
                f"(it has: {', '.join(declared) or 'none'})"
            )
        values: dict[str, Any] = {}
        for name, spec in declared.items():
            value = given.get(name, spec.default)
            if value is None:
                raise InvalidArgumentError(f"parameter {name!r} has no default: give a value")
            try:
                values[name] = spec.coerce(value)
            except ValueError as exc:
                raise InvalidArgumentError(str(exc)) from None
        return values


def parse_manifest(text: str, where: str = MANIFEST_FILE) -> CatalogManifest:
    """A manifest from YAML text; InvalidArgumentError with every problem, each naming
    its field."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidArgumentError(f"{where}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidArgumentError(f"{where}: expected a mapping of fields")
    try:
        return CatalogManifest.model_validate(data)
    except ValidationError as exc:
        raise InvalidArgumentError(f"{where}: {format_errors(exc)}") from None


def format_errors(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        location = ".".join(str(p) for p in error["loc"]) or "manifest"
        message = str(error["msg"]).removeprefix("Value error, ")
        parts.append(f"{location}: {message}")
    return "; ".join(parts)


def valid_name(name: str) -> bool:
    return bool(re.match(NAME_PATTERN, name)) and name not in RESERVED_NAMES
