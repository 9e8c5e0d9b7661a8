"""The ``.pipeline`` document: pydantic models, each step type's argument model, reference
parsing, and validation into a list of ``{step, path, message}`` issues.

The format is agreed with the visual editor (see docs/pipelines.md): JSON with
``format``/``version``, parameters, ``max_parallel`` and steps; a step's ``arguments``
follow its type's model, and any argument value may be a reference ``{"Get": path}`` or
``{"JsonGet": {...}}`` to a parameter, an execution variable or another step's output,
metric or property. References (and ``depends_on``, and a Condition's branches) are the
edges of the DAG.
"""

from __future__ import annotations

import graphlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ..paths import NoNulStr, PathStr

FORMAT: Literal["mlstudio.pipeline"] = "mlstudio.pipeline"
VERSION: Literal[1] = 1
STEP_NAME_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
PARAMETER_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"
OUTPUT_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
PIPELINE_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
# names the REST resource uses for its own routes (/pipelines/validate, ...): a pipeline
# with one of them could be stored but never fetched, run or deleted by name
RESERVED_PIPELINE_NAMES = frozenset({"import", "step-types", "validate"})
DEFAULT_CACHE_EXPIRY = 30 * 24 * 3600

ParameterType = Literal["String", "Integer", "Float", "Boolean"]
# What a reference yields, where the document says: conditions compare numbers.
ValueKind = Literal["number", "string", "boolean", "file", "json", "any"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# -- references -----------------------------------------------------------------------
class Get(_Model):
    """A reference: ``Parameters.<name>``, ``Execution.Id``, ``Execution.StartTime``,
    ``Steps.<step>.Outputs|Metrics|Properties.<name>``."""

    Get: str = Field(min_length=1, max_length=500)


class JsonGetSpec(_Model):
    step: str = Field(pattern=STEP_NAME_PATTERN)
    output: str = Field(pattern=OUTPUT_NAME_PATTERN)
    path: str = Field(min_length=1, max_length=500, description="Dotted path in the JSON.")


class JsonGet(_Model):
    """A value read from a JSON file a step wrote (its output, or a file in its output
    folder when ``path`` starts with ``<file>.json:``)."""

    JsonGet: JsonGetSpec


Ref = Get | JsonGet
StrArg = Annotated[NoNulStr, Field(max_length=10_000)] | Ref
PathArg = PathStr | Ref
NumArg = float | Ref
IntArg = int | Ref


@dataclass(frozen=True)
class Reference:
    """A parsed reference. ``scope`` is Parameters, Execution or Steps; for Steps,
    ``category`` is Outputs, Metrics, Properties or JsonGet."""

    scope: str
    name: str
    step: str | None = None
    category: str | None = None
    json_path: str | None = None

    @property
    def text(self) -> str:
        if self.category == "JsonGet":
            return f"JsonGet({self.step}.{self.name}:{self.json_path})"
        if self.scope == "Steps":
            return f"Steps.{self.step}.{self.category}.{self.name}"
        return f"{self.scope}.{self.name}"


EXECUTION_VARIABLES = ("Id", "StartTime")
STEP_CATEGORIES = ("Outputs", "Metrics", "Properties")


def parse_reference(value: Any) -> Reference | None:
    """The reference ``value`` is, None when it is a plain value; ``ValueError`` for a
    reference-shaped value that is malformed."""
    if not isinstance(value, dict):
        return None
    if set(value) == {"Get"}:
        path = value["Get"]
        if not isinstance(path, str):
            raise ValueError("a Get reference is a string path, e.g. 'Parameters.data'")
        parts = path.split(".")
        if parts[0] == "Parameters" and len(parts) == 2 and parts[1]:
            return Reference("Parameters", parts[1])
        if parts[0] == "Execution" and len(parts) == 2:
            if parts[1] not in EXECUTION_VARIABLES:
                raise ValueError(
                    f"unknown execution variable {parts[1]!r} (Execution.Id, Execution.StartTime)"
                )
            return Reference("Execution", parts[1])
        if parts[0] == "Steps" and len(parts) >= 4 and parts[2] in STEP_CATEGORIES:
            name = ".".join(parts[3:])  # metric names may hold dots, e.g. 'validation:auc'
            if parts[1] and name:
                return Reference("Steps", name, step=parts[1], category=parts[2])
        raise ValueError(
            f"malformed reference {path!r}: use Parameters.<name>, Execution.Id, "
            "Execution.StartTime or Steps.<step>.Outputs|Metrics|Properties.<name>"
        )
    if set(value) == {"JsonGet"}:
        spec = value["JsonGet"]
        try:
            parsed = JsonGetSpec.model_validate(spec)
        except ValidationError:
            raise ValueError(
                "a JsonGet reference is {'JsonGet': {'step': ..., 'output': ..., 'path': ...}}"
            ) from None
        return Reference(
            "Steps", parsed.output, step=parsed.step, category="JsonGet", json_path=parsed.path
        )
    return None


def iter_references(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(path, reference-or-candidate dict) for every reference-shaped value in ``value``."""
    if isinstance(value, dict):
        if set(value) in ({"Get"}, {"JsonGet"}):
            yield path, value
            return
        for key, item in value.items():
            yield from iter_references(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from iter_references(item, f"{path}[{index}]")


def references_of(arguments: Mapping[str, Any]) -> list[Reference]:
    """The well-formed references in a step's arguments."""
    found = []
    for _path, candidate in iter_references(dict(arguments)):
        try:
            ref = parse_reference(candidate)
        except ValueError:
            continue
        if ref is not None:
            found.append(ref)
    return found


# -- the document ---------------------------------------------------------------------
class Parameter(_Model):
    name: str = Field(pattern=PARAMETER_NAME_PATTERN)
    type: ParameterType = "String"
    default: Any = Field(default=None, description="Used when a run does not give a value.")
    description: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _default_has_the_type(self) -> Parameter:
        if self.default is not None:
            self.default = coerce_parameter(self.type, self.default)
        return self


def coerce_parameter(kind: str, value: Any) -> Any:
    """``value`` as a parameter of type ``kind``; ``ValueError`` when it is not one."""
    if kind == "String":
        if isinstance(value, str):
            return value
        raise ValueError(f"{value!r} is not a string")
    if kind == "Boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ValueError(f"{value!r} is not a boolean")
    if kind == "Integer":
        if isinstance(value, bool):
            raise ValueError(f"{value!r} is not an integer")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
            return int(value)
        raise ValueError(f"{value!r} is not an integer")
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a number")


class RetryPolicy(_Model):
    max_attempts: int = Field(default=1, ge=1, le=20, description="Attempts in all (1: no retry).")
    backoff_seconds: float = Field(
        default=5.0, ge=0, le=3600, description="Wait before the 2nd attempt; doubles each time."
    )


class CachePolicy(_Model):
    enabled: bool = Field(default=True, description="Reuse a previous identical step's result.")
    expire_after_seconds: int | None = Field(
        default=DEFAULT_CACHE_EXPIRY,
        ge=0,
        description="Older results are not reused (null: never expire).",
    )


class StepDocument(_Model):
    name: str = Field(pattern=STEP_NAME_PATTERN)
    type: str = Field(min_length=1, max_length=64)
    description: str = Field(default="", max_length=2000)
    arguments: dict[str, Any] = Field(default_factory=dict)
    depends_on: list[str] = Field(default_factory=list)
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    timeout_seconds: float | None = Field(default=None, gt=0)
    cache: CachePolicy = Field(default_factory=CachePolicy)
    ui: dict[str, Any] = Field(
        default_factory=dict, description="Editor data; the engine ignores it."
    )


class PipelineDocument(_Model):
    format: Literal["mlstudio.pipeline"] = FORMAT
    version: Literal[1] = VERSION
    name: str = Field(pattern=PIPELINE_NAME_PATTERN)
    description: str = Field(default="", max_length=10_000)
    parameters: list[Parameter] = Field(default_factory=list)
    max_parallel: int = Field(default=4, ge=1, le=64)
    steps: list[StepDocument] = Field(default_factory=list)
    ui: dict[str, Any] = Field(
        default_factory=dict, description="Editor data; the engine ignores it."
    )

    @field_validator("name")
    @classmethod
    def _not_a_route(cls, name: str) -> str:
        if name.lower() in RESERVED_PIPELINE_NAMES:
            reserved = ", ".join(sorted(RESERVED_PIPELINE_NAMES))
            raise ValueError(f"{name!r} is reserved (the names {reserved} are); pick another")
        return name

    def step(self, name: str) -> StepDocument:
        for item in self.steps:
            if item.name == name:
                return item
        raise KeyError(name)

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json", exclude_defaults=False), indent=2) + "\n"


# -- step types -----------------------------------------------------------------------
def _picker(kind: str, description: str, **extra: Any) -> Any:
    return Field(description=description, json_schema_extra={"x-picker": kind}, **extra)


class ProcessingArguments(_Model):
    code: PathArg = _picker(
        "file", "A .py script, an .ipynb notebook or a Data Wrangler .flow.", title="Code"
    )
    arguments: list[StrArg] = Field(default_factory=list, description="Script arguments.")
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="Notebook parameters (the cell tagged 'parameters')."
    )
    inputs: dict[Annotated[str, Field(pattern=OUTPUT_NAME_PATTERN)], PathArg] = _picker(
        "file",
        "Input name → file, folder or upstream output; the code finds it at "
        "/opt/ml/processing/input/<name> ($MLSTUDIO_INPUT_<NAME>).",
        default_factory=dict,
    )
    outputs: list[Annotated[str, Field(pattern=OUTPUT_NAME_PATTERN)]] = Field(
        default_factory=list,
        description="Output folders the code writes (/opt/ml/processing/output/<name>); "
        "each is the step output of that name.",
    )
    environment: dict[NoNulStr, StrArg] = Field(default_factory=dict)


class NotebookArguments(_Model):
    notebook: PathArg = _picker("file", "The .ipynb notebook to run.", title="Notebook")
    parameters: dict[str, Any] = Field(
        default_factory=dict,
        description="Injected after the cell tagged 'parameters' (papermill style).",
    )
    inputs: dict[Annotated[str, Field(pattern=OUTPUT_NAME_PATTERN)], PathArg] = _picker(
        "file", "Input name → file or folder.", default_factory=dict
    )
    outputs: list[Annotated[str, Field(pattern=OUTPUT_NAME_PATTERN)]] = Field(default_factory=list)
    environment: dict[NoNulStr, StrArg] = Field(default_factory=dict)


class TrainingArguments(_Model):
    algorithm: str | None = _picker(
        "algorithm", "A built-in algorithm (or give entry_point).", default=None
    )
    entry_point: PathArg | None = _picker("file", "A training script (.py).", default=None)
    source_dir: PathArg | None = _picker("folder", "Folder copied with the script.", default=None)
    data: PathArg | None = _picker(
        "file", "Training data (the 'train' channel).", default=None, title="Training data"
    )
    channels: dict[Annotated[str, Field(pattern=OUTPUT_NAME_PATTERN)], PathArg] = _picker(
        "file", "Other input channels: name → file or folder.", default_factory=dict
    )
    target: StrArg | None = _picker("column", "Target column (built-ins).", default=None)
    hyperparameters: dict[str, Any] = Field(default_factory=dict)
    exclude_columns: list[str] = Field(default_factory=list)
    validation_fraction: float = Field(default=0.2, gt=0, lt=1)
    environment: dict[NoNulStr, StrArg] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_source(self) -> TrainingArguments:
        if (self.algorithm is None) == (self.entry_point is None):
            raise ValueError("give either a built-in 'algorithm' or a script 'entry_point'")
        if self.algorithm is not None and self.data is None and "train" not in self.channels:
            raise ValueError("a built-in algorithm needs 'data' (the training data)")
        return self


PythonOutputType = Literal["Float", "Integer", "String", "Boolean", "Json", "File"]


class PythonOutput(_Model):
    name: str = Field(pattern=OUTPUT_NAME_PATTERN)
    type: PythonOutputType = "Json"


class PythonArguments(_Model):
    file: PathArg = _picker("file", "The .py module file that defines the function.", title="File")
    function: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", description="Function name.")
    kwargs: dict[str, Any] = Field(
        default_factory=dict, description="Keyword arguments; values may be references."
    )
    outputs: list[PythonOutput] = Field(
        default_factory=list,
        description="The function's return values: one output returns its value, several a "
        "dict (or tuple in this order). File outputs are paths the function wrote.",
    )
    environment: dict[NoNulStr, StrArg] = Field(default_factory=dict)


ConditionOp = Literal[
    "Equals",
    "GreaterThan",
    "GreaterThanOrEqualTo",
    "LessThan",
    "LessThanOrEqualTo",
    "In",
    "Not",
    "And",
    "Or",
]
ORDERING_OPS = ("GreaterThan", "GreaterThanOrEqualTo", "LessThan", "LessThanOrEqualTo")


class ConditionExpression(_Model):
    op: ConditionOp
    left: Any = None
    right: Any = None
    conditions: list[ConditionExpression] = Field(default_factory=list)

    @model_validator(mode="after")
    def _operands(self) -> ConditionExpression:
        if self.op in ("Not", "And", "Or"):
            if not self.conditions:
                raise ValueError(f"{self.op} takes 'conditions'")
            if self.op == "Not" and len(self.conditions) != 1:
                raise ValueError("Not takes exactly one condition")
        else:
            if self.left is None or self.right is None:
                raise ValueError(f"{self.op} compares 'left' with 'right'")
            if self.op == "In" and not isinstance(self.right, list):
                raise ValueError("In takes a list as 'right'")
        return self


class ConditionArguments(_Model):
    conditions: list[ConditionExpression] = Field(
        min_length=1, description="All must hold for the if branch."
    )
    if_steps: list[str] = Field(default_factory=list, description="Run when the conditions hold.")
    else_steps: list[str] = Field(default_factory=list, description="Run otherwise.")


class FailArguments(_Model):
    error_message: StrArg = Field(default="", description="Why the execution failed.")


class RegisterModelArguments(_Model):
    model: PathArg = _picker(
        "step-output",
        "The model folder, usually a training step's Outputs.model.",
        title="Model artifact",
    )
    model_name: str = _picker(
        "model", "Model group to register under.", pattern=PIPELINE_NAME_PATTERN
    )
    description: StrArg = Field(default="")
    approval_status: Literal["PendingManualApproval", "Approved", "Rejected"] = Field(
        default="PendingManualApproval"
    )
    tags: dict[str, StrArg] = Field(default_factory=dict)
    trust_code: bool = Field(
        default=False,
        description="The model carries inference code (code/inference.py): trust it, so "
        "that deploying the version loads it.",
    )


class DeployArguments(_Model):
    model_name: str = _picker("model", "Registered model.", pattern=PIPELINE_NAME_PATTERN)
    version: IntArg | None = Field(
        default=None, description="Model version, e.g. a RegisterModel step's ModelVersion."
    )
    endpoint_name: str = _picker(
        "endpoint", "Endpoint to create, or update when it exists.", pattern=PIPELINE_NAME_PATTERN
    )


class TransformArguments(_Model):
    model_name: str = _picker("model", "Registered model.", pattern=PIPELINE_NAME_PATTERN)
    version: IntArg | None = Field(default=None)
    input: PathArg = _picker("file", "A CSV/Parquet file or folder.")
    output: PathArg | None = _picker(
        "folder", "Folder for the predictions (default: the job's artifacts).", default=None
    )
    output_format: Literal["parquet", "csv"] = "parquet"


OutputKinds = dict[str, str]


@dataclass(frozen=True)
class StepType:
    """A step type: its arguments model and what other steps may reference of it.

    ``outputs(arguments)`` names its outputs and their kinds (None: any name, unknown
    until it runs); ``metrics`` says it reports numbers; ``properties`` maps property
    names to kinds; ``runs_as`` is how the engine runs it (job, engine, registry, …)."""

    name: str
    title: str
    description: str
    category: str
    arguments: type[BaseModel]
    outputs: Callable[[Mapping[str, Any]], OutputKinds | None]
    metrics: bool = False
    properties: Mapping[str, str] = field(default_factory=dict)


def _declared(arguments: Mapping[str, Any]) -> OutputKinds:
    return {name: "file" for name in arguments.get("outputs", []) if isinstance(name, str)}


def _python_outputs(arguments: Mapping[str, Any]) -> OutputKinds:
    kinds = {
        "Float": "number",
        "Integer": "number",
        "String": "string",
        "Boolean": "boolean",
        "Json": "any",  # any JSON value: a number too
        "File": "file",
    }
    out: OutputKinds = {}
    for item in arguments.get("outputs", []):
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            out[item["name"]] = kinds.get(str(item.get("type", "Json")), "any")
    return out


_JOB_PROPERTIES = {"JobName": "string", "JobId": "string", "RunId": "string"}

# the steps that run other components (tuning, feature store, monitor); imported here,
# after the reference types it uses are defined
from .component_steps import (  # noqa: E402
    FeatureIngestArguments,
    MonitorBaselineArguments,
    MonitorCheckArguments,
    TuningArguments,
)

STEP_TYPES: dict[str, StepType] = {
    t.name: t
    for t in (
        StepType(
            "Processing",
            "Processing",
            "Run a script, a notebook or a Data Wrangler flow as a processing job.",
            "Data",
            ProcessingArguments,
            lambda a: _declared(a) | {"notebook": "file"},
            metrics=True,
            properties=_JOB_PROPERTIES,
        ),
        StepType(
            "Notebook",
            "Notebook",
            "Run a notebook with parameters injected; the executed notebook is kept.",
            "Data",
            NotebookArguments,
            lambda a: _declared(a) | {"notebook": "file"},
            metrics=True,
            properties=_JOB_PROPERTIES,
        ),
        StepType(
            "Training",
            "Training",
            "Train a built-in algorithm or a script; outputs the model and its metrics.",
            "Model",
            TrainingArguments,
            lambda a: {"model": "file", "output_data": "file"},
            metrics=True,
            properties=_JOB_PROPERTIES,
        ),
        StepType(
            "Python",
            "Python function",
            "Call a function from a .py file as a job; its return values are the outputs.",
            "Data",
            PythonArguments,
            _python_outputs,
            metrics=True,
            properties=_JOB_PROPERTIES,
        ),
        StepType(
            "Tuning",
            "Hyperparameter tuning",
            "Run a tuning job over hyperparameter ranges; outputs the best trial's model, "
            "its objective value and hyperparameters.",
            "Model",
            TuningArguments,
            lambda a: {"model": "file"},
            metrics=True,
            properties={
                "TuningJobName": "string",
                "BestTrialJobName": "string",
                "BestObjectiveValue": "number",
                "BestHyperparameters": "json",
            },
        ),
        StepType(
            "FeatureIngest",
            "Feature store ingest",
            "Ingest a data file (or an upstream output) into a feature group as a job.",
            "Data",
            FeatureIngestArguments,
            lambda a: {},
            metrics=True,
            properties={
                "RowsIngested": "number",
                "FeatureGroup": "string",
                "GroupVersion": "number",
                "JobName": "string",
                "JobId": "string",
            },
        ),
        StepType(
            "MonitorBaseline",
            "Monitor baseline",
            "Suggest a data-quality baseline (statistics and constraints) from data.",
            "Monitor",
            MonitorBaselineArguments,
            lambda a: {"baseline": "file"},
            properties={"JobName": "string", "JobId": "string"},
        ),
        StepType(
            "MonitorCheck",
            "Monitor check",
            "Check a table against a baseline once; the Violations metric counts the "
            "constraint violations (a Condition on it can Fail the pipeline).",
            "Monitor",
            MonitorCheckArguments,
            lambda a: {"report": "file"},
            metrics=True,
            properties={
                "Violations": "number",
                "MonitorName": "string",
                "MonitoringExecutionId": "string",
                "Status": "string",
            },
        ),
        StepType(
            "Condition",
            "Condition",
            "Choose a branch: if_steps run when all conditions hold, else_steps otherwise.",
            "Control",
            ConditionArguments,
            lambda a: {},
            properties={"Outcome": "boolean"},
        ),
        StepType(
            "Fail",
            "Fail",
            "End the execution as Failed with a message.",
            "Control",
            FailArguments,
            lambda a: {},
        ),
        StepType(
            "RegisterModel",
            "Register model",
            "Register a model folder as a new version in the model registry.",
            "Deploy",
            RegisterModelArguments,
            lambda a: {},
            properties={"ModelName": "string", "ModelVersion": "number"},
        ),
        StepType(
            "Deploy",
            "Deploy",
            "Deploy a registered model version to an endpoint (created or updated).",
            "Deploy",
            DeployArguments,
            lambda a: {},
            properties={"EndpointName": "string", "EndpointUrl": "string"},
        ),
        StepType(
            "Transform",
            "Batch transform",
            "Score a registered model over files as a batch transform job.",
            "Deploy",
            TransformArguments,
            lambda a: {"output": "file"},
            properties=_JOB_PROPERTIES,
        ),
    )
}


def step_types() -> list[dict[str, Any]]:
    """Every step type with its arguments' JSON schema (for the editor's palette and
    properties panel)."""
    return [
        {
            "type": t.name,
            "title": t.title,
            "description": t.description,
            "category": t.category,
            "schema": t.arguments.model_json_schema(),
            "outputs": sorted(t.outputs({}) or {}),
            "declares_outputs": t.name in ("Processing", "Notebook", "Python"),
            "metrics": t.metrics,
            "properties": sorted(t.properties),
        }
        for t in STEP_TYPES.values()
    ]


# -- validation -----------------------------------------------------------------------
@dataclass(frozen=True)
class ValidationIssue:
    step: str | None
    path: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"step": self.step, "path": self.path, "message": self.message}

    def __str__(self) -> str:
        where = f"step {self.step!r} " if self.step else ""
        return f"{where}{self.path}: {self.message}" if self.path else f"{where}{self.message}"


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_UNION_TAGS = ("str", "int", "float", "bool", "Get", "JsonGet")


def _is_tag(part: Any) -> bool:
    """A pydantic location part naming a union member, not a field or key."""
    return isinstance(part, str) and ("[" in part or "(" in part or part in _UNION_TAGS)


def _pydantic_issues(
    exc: ValidationError, step: str | None, prefix: str, raw: Any = None
) -> list[ValidationIssue]:
    """One issue per bad value: a ``value | reference`` union reports each member's
    error, of which only the one matching what was given is shown."""
    issues: list[ValidationIssue] = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        name = step
        rest = loc
        # errors inside steps[i] belong to that step
        if step is None and len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int):
            steps = raw.get("steps") if isinstance(raw, dict) else None
            item = steps[loc[1]] if isinstance(steps, list) and loc[1] < len(steps) else None
            name = item.get("name") if isinstance(item, dict) else None
            name = name if isinstance(name, str) else f"steps[{loc[1]}]"
            rest = loc[2:]
        tags = [i for i, part in enumerate(rest) if _is_tag(part)]
        message = str(error["msg"]).removeprefix("Value error, ")
        if tags:
            member = rest[tags[0]]
            given = error.get("input")
            as_reference = isinstance(given, dict) and bool({"Get", "JsonGet"} & set(given))
            rest = rest[: tags[0]]
            if as_reference:
                if member not in ("Get", "JsonGet"):
                    continue
                try:
                    parse_reference(given)
                    message = "not a valid reference"
                except ValueError as bad:
                    message = str(bad)
            elif member in ("Get", "JsonGet"):
                continue
        path = _loc(tuple(p for p in (prefix, *rest) if p != ""))
        issue = ValidationIssue(name, path, message)
        if not any(i.step == name and i.path == path for i in issues):
            issues.append(issue)
    return issues


@dataclass
class ValidatedPipeline:
    """A valid document with its DAG: ``upstream[step]`` is the set of steps it waits for."""

    document: PipelineDocument
    upstream: dict[str, set[str]]
    order: list[str]
    branch_of: dict[str, tuple[str, bool]]  # step → (condition step, runs when True)


class PipelineInvalid(ValueError):
    def __init__(self, issues: list[ValidationIssue]) -> None:
        self.issues = issues
        shown = "; ".join(str(i) for i in issues[:5])
        more = f" (and {len(issues) - 5} more)" if len(issues) > 5 else ""
        super().__init__(f"The pipeline is not valid: {shown}{more}")


def _reference_kind(
    ref: Reference, doc: PipelineDocument, arguments: Mapping[str, Mapping[str, Any]]
) -> str:
    if ref.scope == "Parameters":
        for p in doc.parameters:
            if p.name == ref.name:
                return {"Float": "number", "Integer": "number", "Boolean": "boolean"}.get(
                    p.type, "string"
                )
        return "any"
    if ref.scope == "Execution":
        return "string"
    assert ref.step is not None
    if ref.category == "Metrics":
        return "number"
    if ref.category == "JsonGet":
        return "any"
    try:
        stype = STEP_TYPES[doc.step(ref.step).type]
    except KeyError:
        return "any"
    if ref.category == "Properties":
        return stype.properties.get(ref.name, "any")
    outputs = stype.outputs(arguments.get(ref.step, {})) or {}
    return outputs.get(ref.name, "any")


def _literal_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "any"


def validate_document(raw: Any) -> tuple[ValidatedPipeline | None, list[ValidationIssue]]:
    """Check a document (parsed JSON, a JSON string or a model): the validated pipeline
    and no issues, or None and every issue found."""
    if isinstance(raw, PipelineDocument):
        raw = raw.model_dump(mode="json")
    if isinstance(raw, str | bytes):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            return None, [ValidationIssue(None, "", f"not valid JSON: {exc}")]
    if not isinstance(raw, dict):
        return None, [ValidationIssue(None, "", "a pipeline document is a JSON object")]
    try:
        doc = PipelineDocument.model_validate(raw)
    except ValidationError as exc:
        return None, _pydantic_issues(exc, None, "", raw)

    issues: list[ValidationIssue] = []
    names = [s.name for s in doc.steps]
    for name in sorted({n for n in names if names.count(n) > 1}):
        issues.append(ValidationIssue(name, "name", f"two steps are named {name!r}"))
    pnames = [p.name for p in doc.parameters]
    for name in sorted({n for n in pnames if pnames.count(n) > 1}):
        issues.append(ValidationIssue(None, "parameters", f"two parameters are named {name!r}"))
    if not doc.steps:
        issues.append(ValidationIssue(None, "steps", "a pipeline needs at least one step"))
    known = set(names)
    params = set(pnames)
    arguments: dict[str, Mapping[str, Any]] = {}
    for item in doc.steps:
        stype = STEP_TYPES.get(item.type)
        if stype is None:
            issues.append(
                ValidationIssue(
                    item.name,
                    "type",
                    f"unknown step type {item.type!r}; known: {', '.join(STEP_TYPES)}",
                )
            )
            continue
        try:
            stype.arguments.model_validate(item.arguments)
        except ValidationError as exc:
            issues.extend(_pydantic_issues(exc, item.name, "arguments"))
        arguments[item.name] = item.arguments

    upstream: dict[str, set[str]] = {s.name: set() for s in doc.steps}
    branch_of: dict[str, tuple[str, bool]] = {}
    for item in doc.steps:
        for dep in item.depends_on:
            if dep not in known:
                issues.append(ValidationIssue(item.name, "depends_on", f"no step is named {dep!r}"))
            elif dep == item.name:
                issues.append(
                    ValidationIssue(item.name, "depends_on", "a step cannot depend on itself")
                )
            else:
                upstream[item.name].add(dep)
        for path, candidate in iter_references(item.arguments):
            where = f"arguments.{path}"
            try:
                ref = parse_reference(candidate)
            except ValueError as exc:
                issues.append(ValidationIssue(item.name, where, str(exc)))
                continue
            assert ref is not None
            if ref.scope == "Parameters" and ref.name not in params:
                issues.append(
                    ValidationIssue(
                        item.name, where, f"no pipeline parameter is named {ref.name!r}"
                    )
                )
            if ref.scope != "Steps":
                continue
            assert ref.step is not None
            if ref.step not in known:
                issues.append(ValidationIssue(item.name, where, f"no step is named {ref.step!r}"))
                continue
            if ref.step == item.name:
                issues.append(
                    ValidationIssue(item.name, where, "a step cannot use its own results")
                )
                continue
            upstream[item.name].add(ref.step)
            source = doc.step(ref.step)
            stype = STEP_TYPES.get(source.type)
            if stype is None:
                continue
            message = None
            if ref.category in ("Outputs", "JsonGet"):
                outputs = stype.outputs(source.arguments)
                if outputs is not None and ref.name not in outputs:
                    listed = ", ".join(sorted(outputs)) or "none"
                    message = (
                        f"step {ref.step!r} ({source.type}) has no output {ref.name!r}; "
                        f"its outputs: {listed}"
                    )
            elif ref.category == "Metrics" and not stype.metrics:
                message = f"step {ref.step!r} ({source.type}) reports no metrics"
            elif ref.category == "Properties" and ref.name not in stype.properties:
                listed = ", ".join(sorted(stype.properties)) or "none"
                message = (
                    f"step {ref.step!r} ({source.type}) has no property {ref.name!r}; "
                    f"its properties: {listed}"
                )
            if message:
                issues.append(ValidationIssue(item.name, where, message))
        if item.type == "Condition":
            branches = (item.arguments.get("if_steps"), item.arguments.get("else_steps"))
            for key, members, outcome in zip(
                ("if_steps", "else_steps"), branches, (True, False), strict=True
            ):
                if not isinstance(members, list):
                    continue
                for member in members:
                    if not isinstance(member, str):
                        continue
                    if member not in known:
                        issues.append(
                            ValidationIssue(
                                item.name, f"arguments.{key}", f"no step is named {member!r}"
                            )
                        )
                    elif member == item.name:
                        issues.append(
                            ValidationIssue(
                                item.name, f"arguments.{key}", "a condition cannot branch to itself"
                            )
                        )
                    elif member in branch_of:
                        issues.append(
                            ValidationIssue(
                                item.name,
                                f"arguments.{key}",
                                f"step {member!r} is already on a branch of "
                                f"{branch_of[member][0]!r}",
                            )
                        )
                    else:
                        branch_of[member] = (item.name, outcome)
                        upstream[member].add(item.name)
            _check_condition_operands(item, doc, arguments, issues)

    order: list[str] = []
    try:
        order = list(graphlib.TopologicalSorter(upstream).static_order())
    except graphlib.CycleError as exc:
        cycle = list(exc.args[1])
        issues.append(
            ValidationIssue(cycle[0], "depends_on", f"the steps form a cycle: {' → '.join(cycle)}")
        )
    if issues:
        unique: list[ValidationIssue] = []
        for issue in issues:
            if issue not in unique:
                unique.append(issue)
        return None, unique
    return ValidatedPipeline(doc, upstream, order, branch_of), []


def _check_condition_operands(
    item: StepDocument,
    doc: PipelineDocument,
    arguments: Mapping[str, Mapping[str, Any]],
    issues: list[ValidationIssue],
) -> None:
    def visit(expr: Any, path: str) -> None:
        if not isinstance(expr, dict):
            return
        op = expr.get("op")
        for index, sub in enumerate(expr.get("conditions") or []):
            visit(sub, f"{path}.conditions[{index}]")
        if op not in ORDERING_OPS:
            return
        for side in ("left", "right"):
            value = expr.get(side)
            try:
                ref = parse_reference(value)
            except ValueError:
                continue
            kind = _reference_kind(ref, doc, arguments) if ref else _literal_kind(value)
            if kind not in ("number", "any"):
                what = ref.text if ref else repr(value)
                issues.append(
                    ValidationIssue(
                        item.name,
                        f"{path}.{side}",
                        f"{op} compares numbers; {what} is a {kind}",
                    )
                )

    for index, expr in enumerate(item.arguments.get("conditions") or []):
        visit(expr, f"arguments.conditions[{index}]")


def load_document(raw: Any) -> ValidatedPipeline:
    """A validated pipeline, or ``PipelineInvalid`` listing every issue."""
    validated, issues = validate_document(raw)
    if validated is None:
        raise PipelineInvalid(issues)
    return validated
