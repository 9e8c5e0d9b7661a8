"""What a tuning job does, as validated data (SageMaker's Automatic Model Tuning, on optuna).

A :class:`TuningJobSpec` holds the base training spec (exactly what ``mls.train`` and the
job service take), the search space, the objective, the strategy, early stopping and the
limits. Validation refuses what could only waste trials: empty or inverted ranges, log
scaling of a range reaching 0, a categorical without values, a hyperparameter or an
objective metric a built-in algorithm does not have, a grid over ranges, more parallel
trials than trials. :func:`from_sagemaker` reads a ``HyperParameterTuningJobConfig``
and says which of its fields it ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from ..errors import InvalidArgumentError
from ..jobs.algorithms import builtin_metrics
from ..jobs.specs import NAME_PATTERN, MetricDefinition, TrainingSpec

Scaling = Literal["Auto", "Linear", "Logarithmic", "ReverseLogarithmic"]
Direction = Literal["Maximize", "Minimize"]
Strategy = Literal["Bayesian", "GP", "Random", "Grid", "CMA-ES", "Hyperband"]
EarlyStopping = Literal["Off", "Auto"]
CategoricalValue = str | int | float | bool

_CANONICAL = {
    name.lower(): name
    for name in ("Bayesian", "GP", "Random", "Grid", "CMA-ES", "Hyperband", "Off", "Auto")
} | {"cmaes": "CMA-ES", "tpe": "Bayesian"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class _NumericRange(_Model):
    @field_validator("scaling", mode="before", check_fields=False)
    @classmethod
    def _scaling_any_case(cls, value: Any) -> Any:
        names = {n.lower(): n for n in ("Auto", "Linear", "Logarithmic", "ReverseLogarithmic")}
        return names.get(value.lower(), value) if isinstance(value, str) else value


class ContinuousRange(_NumericRange):
    type: Literal["continuous"] = "continuous"
    min_value: float
    max_value: float
    scaling: Scaling = Field(
        default="Auto",
        description="Auto (Linear unless the range spans 3 orders of magnitude above 0), "
        "Linear, Logarithmic (min > 0) or ReverseLogarithmic (values close to max, max < 1).",
    )


class IntegerRange(_NumericRange):
    type: Literal["integer"] = "integer"
    min_value: int
    max_value: int
    scaling: Scaling = "Auto"


class CategoricalRange(_Model):
    type: Literal["categorical"] = "categorical"
    values: list[CategoricalValue]


ParameterRange = Annotated[
    ContinuousRange | IntegerRange | CategoricalRange, Field(discriminator="type")
]


def effective_scaling(spec: ContinuousRange | IntegerRange) -> str:
    """``Auto`` resolved: logarithmic when the range is positive and spans ≥ 3 decades."""
    if spec.scaling != "Auto":
        return spec.scaling
    if spec.min_value > 0 and spec.max_value / spec.min_value >= 1000:
        return "Logarithmic"
    return "Linear"


class Objective(_Model):
    metric: str = Field(
        min_length=1, max_length=250, description="The metric a trial logs, e.g. validation:auc."
    )
    direction: Direction = "Maximize"
    regex: str | None = Field(
        default=None,
        max_length=1000,
        description="Read the metric from the trial's output instead: the first group of "
        "this regex in a log line is the value (one value per step).",
    )

    @field_validator("direction", mode="before")
    @classmethod
    def _capitalized(cls, value: Any) -> Any:
        # the SDK's direction="maximize" and optuna's spelling are accepted too
        return value.capitalize() if isinstance(value, str) else value

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            MetricDefinition(name="objective", regex=value)  # same rules as the job's
        return value


class TuningLimits(_Model):
    max_trials: int = Field(default=10, ge=1, le=100_000, description="Training jobs in all.")
    max_parallel_trials: int = Field(default=1, ge=1, le=1_000)
    max_runtime_seconds: float | None = Field(
        default=None, gt=0, description="Stop starting trials and stop running ones after this."
    )
    max_consecutive_failures: int = Field(
        default=5, ge=1, description="The tuning job fails after this many failed trials in a row."
    )


class TuningJobSpec(_Model):
    name: Annotated[str, Field(pattern=NAME_PATTERN)] | None = Field(
        default=None, description="Unique tuning job name; generated when omitted."
    )
    training: TrainingSpec | None = Field(
        default=None,
        description="The base training job: a built-in algorithm or a script; its "
        "hyperparameters are the fixed ones.",
    )
    function: str | None = Field(
        default=None,
        max_length=500,
        description="Function trials (in-process, from the SDK): the function's name, shown "
        "only; such a tuning job has no training spec.",
    )
    search_space: dict[Annotated[str, Field(min_length=1, max_length=250)], ParameterRange] = Field(
        default_factory=dict, description="Hyperparameter → range."
    )
    objective: Objective
    second_objective: Objective | None = Field(
        default=None, description="A second objective: NSGA-II searches the Pareto front."
    )
    strategy: Strategy = "Bayesian"
    early_stopping: EarlyStopping = Field(
        default="Off",
        description="Auto stops a trial whose intermediate objective is worse than the "
        "median of earlier trials at the same step (Hyperband always stops early).",
    )
    min_resource: int = Field(default=1, ge=1, description="Hyperband: steps before any stop.")
    max_resource: int | None = Field(
        default=None,
        ge=1,
        description="Hyperband: the steps a full trial runs; default learnt from the first "
        "finished trial.",
    )
    limits: TuningLimits = Field(default_factory=TuningLimits)
    random_seed: int | None = Field(default=None, description="Seed of the sampler.")
    warm_start: list[str] = Field(
        default_factory=list,
        description="Earlier tuning jobs (names or ids) whose trials seed this one.",
    )
    enqueue: list[dict[str, CategoricalValue]] = Field(
        default_factory=list, description="Parameter sets tried first, in order."
    )
    retry_failed: bool = Field(
        default=False,
        description="Run a trial lost to a server restart once more (within max_trials).",
    )

    @field_validator("strategy", "early_stopping", mode="before")
    @classmethod
    def _any_case(cls, value: Any) -> Any:
        # the SDK's strategy="bayesian" / early_stopping="auto"
        return _CANONICAL.get(value.lower(), value) if isinstance(value, str) else value

    @field_validator("search_space")
    @classmethod
    def _ranges(cls, space: dict[str, Any]) -> dict[str, Any]:
        for name, spec in space.items():
            _check_range(name, spec)
        return space

    @model_validator(mode="after")
    def _consistent(self) -> TuningJobSpec:
        limits = self.limits
        if limits.max_parallel_trials > limits.max_trials:
            raise ValueError(
                f"limits: max_parallel_trials ({limits.max_parallel_trials}) is more than "
                f"max_trials ({limits.max_trials})"
            )
        if (self.training is None) == (self.function is None):
            raise ValueError("give either a base 'training' spec or a 'function'")
        if self.training is not None and not self.search_space:
            raise ValueError("search_space: give at least one hyperparameter range")
        fixed = sorted(set(self.search_space) & set(self.hyperparameters))
        if fixed:
            raise ValueError(
                f"{', '.join(repr(n) for n in fixed)}: both a fixed hyperparameter and a "
                "range; keep one"
            )
        if self.strategy == "Grid":
            ranges = [n for n, s in self.search_space.items() if s.type != "categorical"]
            if ranges:
                verb = "is a range" if len(ranges) == 1 else "are ranges"
                raise ValueError(
                    f"strategy Grid needs categorical values for every hyperparameter; "
                    f"{', '.join(repr(n) for n in ranges)} {verb}"
                )
        if self.second_objective is not None:
            if self.second_objective.metric == self.objective.metric:
                raise ValueError("second_objective: give a metric other than the objective's")
            if self.strategy not in ("Bayesian", "Random", "Grid"):
                raise ValueError(
                    f"two objectives are searched with NSGA-II (strategy Bayesian), Random "
                    f"or Grid, not {self.strategy}"
                )
            if self.early_stopping == "Auto":
                raise ValueError("early stopping works with one objective only")
        if self.max_resource is not None and self.max_resource < self.min_resource:
            raise ValueError("max_resource must be at least min_resource")
        self._check_training()
        return self

    @property
    def hyperparameters(self) -> dict[str, Any]:
        """The fixed hyperparameters (of the base training spec)."""
        return dict(self.training.hyperparameters) if self.training is not None else {}

    def objectives(self) -> list[Objective]:
        return [self.objective] + ([self.second_objective] if self.second_objective else [])

    @property
    def prunes(self) -> bool:
        return self.second_objective is None and (
            self.strategy == "Hyperband" or self.early_stopping == "Auto"
        )

    def _check_training(self) -> None:
        training = self.training
        if training is None:
            return
        defined = {d.name for d in training.metric_definitions}
        if training.algorithm is None:
            return  # a script may log any metric (SDK log_metric) and take any argument
        from ..jobs.algorithms import ALGORITHMS

        algorithm = ALGORITHMS.get(training.algorithm)
        if algorithm is None:
            raise ValueError(
                f"training.algorithm: unknown algorithm {training.algorithm!r}; choose one "
                f"of: {', '.join(ALGORITHMS)}"
            )
        fields = algorithm.hyperparameters.model_fields
        unknown = [n for n in self.search_space if n not in fields]
        if unknown:
            raise ValueError(
                f"search_space: unknown hyperparameter{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(repr(n) for n in unknown)} for {algorithm.name}; known: "
                f"{', '.join(fields)}"
            )
        for name, spec in self.search_space.items():
            _check_values(name, spec, fields[name])
        known = builtin_metrics(algorithm.task)
        for objective in self.objectives():
            if objective.regex is None and objective.metric not in {*known, *defined}:
                raise ValueError(
                    f"objective: {algorithm.name} never logs {objective.metric!r}; it logs "
                    f"{', '.join(known)}"
                )


def _check_range(name: str, spec: ContinuousRange | IntegerRange | CategoricalRange) -> None:
    where = f"search_space[{name!r}]"
    if isinstance(spec, CategoricalRange):
        if not spec.values:
            raise ValueError(f"{where}: a categorical range needs at least one value")
        if len({repr(v) for v in spec.values}) != len(spec.values):
            raise ValueError(f"{where}: values repeat")
        return
    if spec.min_value > spec.max_value:
        raise ValueError(f"{where}: min_value {spec.min_value} is above max_value {spec.max_value}")
    if spec.min_value == spec.max_value:
        raise ValueError(
            f"{where}: the range is empty (min_value = max_value = {spec.min_value}); "
            "make it a fixed hyperparameter instead"
        )
    if spec.scaling == "Logarithmic" and spec.min_value <= 0:
        raise ValueError(f"{where}: Logarithmic scaling needs min_value > 0 (got {spec.min_value})")
    if spec.scaling == "ReverseLogarithmic":
        if isinstance(spec, IntegerRange):
            raise ValueError(f"{where}: ReverseLogarithmic scaling is for continuous ranges")
        if spec.min_value < 0 or spec.max_value >= 1:
            raise ValueError(
                f"{where}: ReverseLogarithmic scaling needs 0 <= min_value and max_value < 1"
            )


def _check_values(name: str, spec: Any, field: Any) -> None:
    """Every bound or value must be a valid value of the built-in's hyperparameter."""
    adapter: TypeAdapter[Any] = TypeAdapter(Annotated[field.annotation, field])
    schema = adapter.json_schema()
    types = {b.get("type") for b in schema.get("anyOf", [schema])}
    if isinstance(spec, ContinuousRange) and "number" not in types:
        use = (
            "integers: use an integer range"
            if "integer" in types
            else "values: use a categorical range"
        )
        raise ValueError(f"search_space[{name!r}]: {name} takes {use}")
    values = spec.values if isinstance(spec, CategoricalRange) else [spec.min_value, spec.max_value]
    for value in values:
        try:
            adapter.validate_python(value, strict=isinstance(value, bool))
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"].removeprefix("Value error, ")
            raise ValueError(
                f"search_space[{name!r}]: {value!r} is not a valid {name}: {reason}"
            ) from None


def parse_tuning_spec(data: Mapping[str, Any] | TuningJobSpec) -> TuningJobSpec:
    """The spec from plain data; every problem in one readable ``InvalidArgumentError``."""
    if isinstance(data, TuningJobSpec):
        return data
    try:
        return TuningJobSpec.model_validate(dict(data))
    except ValidationError as exc:
        raise InvalidArgumentError(spec_error_message(exc)) from None


def spec_error_message(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"] if not str(p).startswith("function-"))
        message = error["msg"].removeprefix("Value error, ")
        parts.append(message if not where or message.startswith(where) else f"{where}: {message}")
    return "; ".join(parts)


def trial_training_spec(spec: TuningJobSpec, params: Mapping[str, Any], name: str) -> TrainingSpec:
    """The training job of one trial: the base spec with the sampled hyperparameters and
    the objectives' regexes as metric definitions."""
    training = spec.training
    if training is None:
        raise InvalidArgumentError("A tuning job of function trials has no training jobs.")
    definitions = list(training.metric_definitions)
    names = {d.name for d in definitions}
    for objective in spec.objectives():
        if objective.regex is not None and objective.metric not in names:
            definitions.append(MetricDefinition(name=objective.metric, regex=objective.regex))
    hyperparameters = dict(training.hyperparameters) | {k: _plain(v) for k, v in params.items()}
    return training.model_copy(
        update={
            "name": name,
            "hyperparameters": hyperparameters,
            "metric_definitions": definitions,
            "register_as": None,  # the best trial is registered on request, not every one
        }
    )


def _plain(value: Any) -> Any:
    """numpy scalars from a sampler as plain JSON values."""
    return value.item() if hasattr(value, "item") else value


# -- SageMaker's HyperParameterTuningJobConfig --------------------------------------------
_SAGEMAKER_SCALING = {
    "Auto": "Auto",
    "Linear": "Linear",
    "Logarithmic": "Logarithmic",
    "ReverseLogarithmic": "ReverseLogarithmic",
}
_SAGEMAKER_STRATEGIES = {"Bayesian": "Bayesian", "Random": "Random", "Hyperband": "Hyperband",
                         "Grid": "Grid"}  # fmt: skip


def from_sagemaker(
    config: Mapping[str, Any], training: TrainingSpec | Mapping[str, Any], **overrides: Any
) -> tuple[TuningJobSpec, list[str]]:
    """A spec from SageMaker's ``HyperParameterTuningJobConfig`` (or the whole
    ``CreateHyperParameterTuningJob`` request holding one) and the base training spec.

    Returns the spec and the fields that were ignored (dotted paths), so the caller can
    say so. ``overrides`` set other spec fields (``name``, ``warm_start``, …).
    """
    ignored: list[str] = []
    data = dict(config)
    if "HyperParameterTuningJobConfig" in data:
        request = data
        data = dict(request["HyperParameterTuningJobConfig"])
        for key in request:
            if key == "HyperParameterTuningJobName" and "name" not in overrides:
                overrides["name"] = request[key]
            elif key == "WarmStartConfig" and "warm_start" not in overrides:
                parents = request[key].get("ParentHyperParameterTuningJobs", [])
                overrides["warm_start"] = [p["HyperParameterTuningJobName"] for p in parents]
                if "WarmStartType" in request[key]:
                    ignored.append("WarmStartConfig.WarmStartType")
            elif key != "HyperParameterTuningJobConfig":
                ignored.append(key)
    space: dict[str, Any] = {}
    ranges = dict(data.pop("ParameterRanges", {}) or {})
    for kind, type_ in (
        ("ContinuousParameterRanges", "continuous"),
        ("IntegerParameterRanges", "integer"),
    ):
        for item in ranges.pop(kind, []) or []:
            space[item["Name"]] = {
                "type": type_,
                "min_value": item["MinValue"],
                "max_value": item["MaxValue"],
                "scaling": _SAGEMAKER_SCALING.get(item.get("ScalingType", "Auto"), "Auto"),
            }
    for item in ranges.pop("CategoricalParameterRanges", []) or []:
        space[item["Name"]] = {"type": "categorical", "values": list(item.get("Values", []))}
    ignored.extend(f"ParameterRanges.{key}" for key in ranges)
    spec: dict[str, Any] = {"search_space": space, "training": training}
    objective = data.pop("HyperParameterTuningJobObjective", None)
    if objective:
        spec["objective"] = {
            "metric": objective.get("MetricName", ""),
            "direction": objective.get("Type", "Maximize"),
        }
    if "Strategy" in data:
        strategy = data.pop("Strategy")
        spec["strategy"] = _SAGEMAKER_STRATEGIES.get(strategy, strategy)
    strategy_config = dict(data.pop("StrategyConfig", {}) or {})
    hyperband = dict(strategy_config.pop("HyperbandStrategyConfig", {}) or {})
    if "MinResource" in hyperband:
        spec["min_resource"] = hyperband.pop("MinResource")
    if "MaxResource" in hyperband:
        spec["max_resource"] = hyperband.pop("MaxResource")
    ignored.extend(f"StrategyConfig.HyperbandStrategyConfig.{key}" for key in hyperband)
    ignored.extend(f"StrategyConfig.{key}" for key in strategy_config)
    limits_in = dict(data.pop("ResourceLimits", {}) or {})
    limits: dict[str, Any] = {}
    for source, target in (
        ("MaxNumberOfTrainingJobs", "max_trials"),
        ("MaxParallelTrainingJobs", "max_parallel_trials"),
        ("MaxRuntimeInSeconds", "max_runtime_seconds"),
    ):
        if source in limits_in:
            limits[target] = limits_in.pop(source)
    ignored.extend(f"ResourceLimits.{key}" for key in limits_in)
    if limits:
        spec["limits"] = limits
    if "TrainingJobEarlyStoppingType" in data:
        spec["early_stopping"] = data.pop("TrainingJobEarlyStoppingType")
    if "RandomSeed" in data:
        spec["random_seed"] = data.pop("RandomSeed")
    ignored.extend(data)  # TuningJobCompletionCriteria and anything newer
    spec.update(overrides)
    if isinstance(training, TrainingSpec):
        spec["training"] = training.model_dump(mode="json", exclude_unset=True)
    return parse_tuning_spec(spec), ignored
