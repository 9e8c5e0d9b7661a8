"""Import a SageMaker pipeline definition (the JSON of ``Pipeline.definition()``,
``"Version": "2020-12-01"``) as a ``.pipeline`` document.

What maps, and how:

- ``Parameters`` (String/Integer/Float/Boolean with ``DefaultValue``) keep their names;
- ``Processing`` steps run the script the job's code input or container entrypoint
  names, found in ``code_dir`` locally; ``ProcessingInputs`` become named inputs,
  ``ProcessingOutputConfig.Outputs`` named outputs, ``ContainerArguments`` arguments;
  ``PropertyFiles`` are remembered for ``Std:JsonGet``;
- ``Training`` steps: SageMaker's XGBoost image is the built-in ``xgboost-regressor`` or
  ``xgboost-classifier`` (by its ``objective``) with the same hyperparameter names; a
  framework estimator (``sagemaker_program``) is a script-mode training of that script;
  ``InputDataConfig`` channels keep their names (``train`` is the training data);
- ``Condition`` steps (Equals, GreaterThan[OrEqualTo], LessThan[OrEqualTo], In, Not,
  Or) with their ``IfSteps``/``ElseSteps`` (nested step bodies, flattened here);
- ``Fail`` (``ErrorMessage``), ``RegisterModel`` (``ModelPackageGroupName``, the first
  container's ``ModelDataUrl``, ``ModelApprovalStatus``), ``Transform`` of a model a
  RegisterModel step registered (or a model group named literally);
- property paths: ``Parameters.X``, ``Execution.PipelineExecutionId`` (our
  ``Execution.Id``), ``Execution.StartDateTime``,
  ``Steps.S.ProcessingOutputConfig.Outputs['o'].S3Output.S3Uri`` (``Outputs.o``),
  ``Steps.S.ModelArtifacts.S3ModelArtifacts`` (``Outputs.model``),
  ``Steps.S.FinalMetricDataList['m'].Value`` (``Metrics.m``), job names,
  ``Std:JsonGet`` of a property file, and ``Std:Join`` of plain values.

Everything else (other step types such as Model, Tuning, Lambda, Callback, EMR,
QualityCheck; other properties) is named in one :class:`InvalidArgumentError` listing
every problem. S3 URIs are kept as they are unless ``paths`` maps their prefix to a
local file or folder. What maps only approximately is listed in ``notes``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import InvalidArgumentError
from .definition import load_document

SUPPORTED_VERSIONS = ("2020-12-01",)
SUPPORTED_STEP_TYPES = ("Processing", "Training", "Condition", "Fail", "RegisterModel", "Transform")
_OUTPUT_REF = re.compile(
    r"^Steps\.([^.]+)\.ProcessingOutputConfig\.Outputs\[['\"]?([^'\"\]]+)['\"]?\]\.S3Output\.S3Uri$"
)
_METRIC_REF = re.compile(r"^Steps\.([^.]+)\.FinalMetricDataList\[['\"]?([^'\"\]]+)['\"]?\]\.Value$")
_COND_OPS = {
    "Equals": "Equals",
    "GreaterThan": "GreaterThan",
    "GreaterThanOrEqualTo": "GreaterThanOrEqualTo",
    "LessThan": "LessThan",
    "LessThanOrEqualTo": "LessThanOrEqualTo",
}
_XGBOOST_CLASSIFY = ("binary:", "multi:", "rank:")


@dataclass
class ImportResult:
    document: dict[str, Any]
    notes: list[str] = field(default_factory=list)


@dataclass
class _Context:
    definition: Mapping[str, Any]
    code_dir: str
    paths: Mapping[str, str]
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)  # step name -> SageMaker type
    property_files: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    registered: dict[str, str] = field(default_factory=dict)  # RegisterModel step -> group
    parameters: dict[str, Any] = field(default_factory=dict)  # name -> default


def load_definition(source: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """A definition from a dict, a JSON text or a path to a .json file."""
    if isinstance(source, Mapping):
        return dict(source)
    text = str(source)
    if not text.lstrip().startswith("{"):
        path = Path(text)
        if not path.is_file():
            raise InvalidArgumentError(f"No SageMaker pipeline definition file {text!r}.")
        text = path.read_text(encoding="utf-8")
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidArgumentError(f"The pipeline definition is not valid JSON: {exc}.") from None
    if not isinstance(loaded, dict):
        raise InvalidArgumentError("A SageMaker pipeline definition is a JSON object.")
    return loaded


def import_definition(
    source: str | Path | Mapping[str, Any],
    name: str,
    *,
    code_dir: str = ".",
    paths: Mapping[str, str] | None = None,
    description: str = "",
) -> ImportResult:
    """The ``.pipeline`` document for a SageMaker definition, validated;
    ``InvalidArgumentError`` lists every step type or property that does not map."""
    definition = load_definition(source)
    version = definition.get("Version")
    if version not in SUPPORTED_VERSIONS:
        raise InvalidArgumentError(
            f"Unsupported pipeline definition Version {version!r}: this imports "
            f"{', '.join(SUPPORTED_VERSIONS)}."
        )
    steps = definition.get("Steps")
    if not isinstance(steps, list) or not steps:
        raise InvalidArgumentError("The pipeline definition has no Steps.")
    ctx = _Context(definition, code_dir.rstrip("/") or ".", dict(paths or {}))
    parameters = [_parameter(ctx, p) for p in definition.get("Parameters") or []]
    flat: list[Mapping[str, Any]] = []
    _flatten(ctx, steps, flat)
    for body in flat:  # first pass: what references resolve to
        step_name, kind = str(body.get("Name")), str(body.get("Type"))
        ctx.types[step_name] = kind
        for pf in body.get("PropertyFiles") or []:
            ctx.property_files[(step_name, str(pf.get("PropertyFileName")))] = (
                str(pf.get("OutputName")),
                str(pf.get("FilePath")),
            )
        if kind == "RegisterModel":
            group = (body.get("Arguments") or {}).get("ModelPackageGroupName")
            if isinstance(group, str):
                ctx.registered[step_name] = group
    out_steps = [s for s in (_step(ctx, body) for body in flat) if s is not None]
    if ctx.errors:
        raise InvalidArgumentError(
            "The SageMaker pipeline definition does not map onto a pipeline here: "
            + "; ".join(ctx.errors)
        )
    document = {
        "format": "mlstudio.pipeline",
        "version": 1,
        "name": name,
        "description": description or "Imported from a SageMaker pipeline definition.",
        "parameters": [p for p in parameters if p is not None],
        "steps": out_steps,
    }
    from .service import PipelineService

    validated = PipelineService.validated(document)  # the issues, each named, as a 400
    load_document(validated.document.model_dump(mode="json"))
    return ImportResult(document, ctx.notes)


# -- parameters and steps ----------------------------------------------------------------
def _parameter(ctx: _Context, p: Any) -> dict[str, Any] | None:
    if not isinstance(p, Mapping) or not isinstance(p.get("Name"), str):
        ctx.errors.append(f"a parameter is not {{'Name': ..., 'Type': ...}}: {p!r}")
        return None
    kind = p.get("Type", "String")
    if kind not in ("String", "Integer", "Float", "Boolean"):
        ctx.errors.append(f"parameter {p['Name']!r}: type {kind!r} is not supported")
        return None
    ctx.parameters[p["Name"]] = p.get("DefaultValue")
    out: dict[str, Any] = {"name": p["Name"], "type": kind}
    if p.get("DefaultValue") is not None:
        out["default"] = p["DefaultValue"]
    return out


def _flatten(ctx: _Context, steps: list[Any], out: list[Mapping[str, Any]]) -> None:
    for body in steps:
        if not isinstance(body, Mapping) or not isinstance(body.get("Name"), str):
            ctx.errors.append(f"a step is not an object with a Name: {str(body)[:80]}")
            continue
        out.append(body)
        if body.get("Type") == "Condition":
            args = body.get("Arguments") or {}
            for key in ("IfSteps", "ElseSteps"):
                nested = [s for s in args.get(key) or [] if isinstance(s, Mapping)]
                _flatten(ctx, nested, out)


def _step(ctx: _Context, body: Mapping[str, Any]) -> dict[str, Any] | None:
    step_name, kind = str(body["Name"]), body.get("Type")
    if kind not in SUPPORTED_STEP_TYPES:
        ctx.errors.append(
            f"step {step_name!r}: type {kind!r} is not supported "
            f"(supported: {', '.join(SUPPORTED_STEP_TYPES)})"
        )
        return None
    args = body.get("Arguments") or {}
    where = f"step {step_name!r}"
    converters = {
        "Processing": _processing,
        "Training": _training,
        "Condition": _condition_step,
        "Fail": _fail,
        "RegisterModel": _register,
        "Transform": _transform,
    }
    arguments = converters[str(kind)](ctx, where, step_name, args)
    if arguments is None:
        return None
    out: dict[str, Any] = {
        "name": step_name,
        "type": kind,
        "arguments": arguments,
        "description": str(body.get("Description") or ""),
    }
    if body.get("DependsOn"):
        out["depends_on"] = [str(d) for d in body["DependsOn"]]
    retries = [r for r in body.get("RetryPolicies") or [] if isinstance(r, Mapping)]
    if retries:
        attempts = max(int(r.get("MaxAttempts", 1)) for r in retries)
        out["retry"] = {
            "max_attempts": min(20, attempts + 1),
            "backoff_seconds": float(retries[0].get("IntervalSeconds", 5)),
        }
    cache = body.get("CacheConfig")
    if isinstance(cache, Mapping):
        out["cache"] = {
            "enabled": bool(cache.get("Enabled", False)),
            "expire_after_seconds": _duration(ctx, where, cache.get("ExpireAfter")),
        }
    elif kind in ("Processing", "Training", "Transform"):
        out["cache"] = {"enabled": False}  # SageMaker caches only when asked to
    return out


def _processing(
    ctx: _Context, where: str, _name: str, args: Mapping[str, Any]
) -> dict[str, Any] | None:
    app = args.get("AppSpecification") or {}
    code: str | None = None
    inputs: dict[str, Any] = {}
    for item in args.get("ProcessingInputs") or []:
        input_name = str(item.get("InputName", ""))
        uri = (item.get("S3Input") or {}).get("S3Uri")
        if input_name == "code" and isinstance(uri, str):
            code = PurePosixPath(uri).name
            continue
        if uri is None:
            ctx.errors.append(f"{where}: input {input_name!r} is not an S3Input")
            continue
        inputs[input_name] = _value(ctx, f"{where} input {input_name!r}", uri, path=True)
    entry = [str(a) for a in app.get("ContainerEntrypoint") or []]
    scripts = [a for a in entry if a.endswith((".py", ".ipynb"))]
    if code is None and scripts:
        code = PurePosixPath(scripts[-1]).name
    if code is None:
        ctx.errors.append(
            f"{where}: no script (a 'code' input or a .py in ContainerEntrypoint); an image "
            f"alone ({app.get('ImageUri', '?')}) does not run here"
        )
        return None
    outputs = [
        str(o.get("OutputName"))
        for o in (args.get("ProcessingOutputConfig") or {}).get("Outputs") or []
    ]
    return {
        "code": _code_path(ctx, code),
        "arguments": [
            _value(ctx, f"{where} argument", a) for a in app.get("ContainerArguments") or []
        ],
        "inputs": inputs,
        "outputs": outputs,
        "environment": {
            str(k): _value(ctx, f"{where} environment {k}", v)
            for k, v in (args.get("Environment") or {}).items()
        },
    }


def _training(
    ctx: _Context, where: str, _name: str, args: Mapping[str, Any]
) -> dict[str, Any] | None:
    image = str((args.get("AlgorithmSpecification") or {}).get("TrainingImage", ""))
    hyper = dict(args.get("HyperParameters") or {})
    channels: dict[str, Any] = {}
    for channel in args.get("InputDataConfig") or []:
        uri = ((channel.get("DataSource") or {}).get("S3DataSource") or {}).get("S3Uri")
        channel_name = str(channel.get("ChannelName", "train"))
        channels[channel_name] = _value(ctx, f"{where} channel {channel_name!r}", uri, path=True)
    out: dict[str, Any] = {}
    program = hyper.pop("sagemaker_program", None)
    if program is not None:
        out["entry_point"] = _code_path(ctx, PurePosixPath(_unquote(program)).name)
        for key in list(hyper):
            if key.startswith("sagemaker_"):
                hyper.pop(key)
        out["hyperparameters"] = {k: _number(_plain(v)) for k, v in hyper.items()}
    elif "xgboost" in image:
        objective = str(hyper.pop("objective", "reg:squarederror"))
        out["algorithm"] = (
            "xgboost-classifier" if objective.startswith(_XGBOOST_CLASSIFY) else "xgboost-regressor"
        )
        out["hyperparameters"] = _known_hyperparameters(ctx, where, out["algorithm"], hyper)
        if "train" not in channels:
            ctx.errors.append(f"{where}: the XGBoost algorithm needs a 'train' channel")
            return None
        out["data"] = channels.pop("train")
        ctx.notes.append(
            f"{where}: SageMaker's XGBoost reads CSV without a header, the target first; "
            "here the data needs a header and a target column: give 'target' to the step"
        )
    else:
        ctx.errors.append(
            f"{where}: training image {image!r} is neither SageMaker's XGBoost nor a "
            "framework estimator with a sagemaker_program script"
        )
        return None
    out["channels"] = channels
    return out


def _known_hyperparameters(
    ctx: _Context, where: str, algorithm: str, hyper: Mapping[str, Any]
) -> dict[str, Any]:
    from ..jobs.algorithms import get_algorithm

    params = get_algorithm(algorithm).hyperparameters
    known = set(params.model_fields) | {
        f.alias for f in params.model_fields.values() if f.alias is not None
    }
    dropped = sorted(set(hyper) - known)
    if dropped:
        ctx.notes.append(f"{where}: hyperparameters not used here: {', '.join(dropped)}")
    return {k: _number(_plain(v)) for k, v in hyper.items() if k in known}


def _condition_step(
    ctx: _Context, where: str, _name: str, args: Mapping[str, Any]
) -> dict[str, Any] | None:
    conditions = [_condition(ctx, where, c) for c in args.get("Conditions") or []]
    return {
        "conditions": [c for c in conditions if c is not None],
        "if_steps": [str(s.get("Name")) for s in args.get("IfSteps") or []],
        "else_steps": [str(s.get("Name")) for s in args.get("ElseSteps") or []],
    }


def _condition(ctx: _Context, where: str, c: Any) -> dict[str, Any] | None:
    kind = c.get("Type") if isinstance(c, Mapping) else None
    if kind in _COND_OPS:
        return {
            "op": _COND_OPS[kind],
            "left": _value(ctx, f"{where} {kind}", c.get("LeftValue")),
            "right": _value(ctx, f"{where} {kind}", c.get("RightValue")),
        }
    if kind == "In":
        return {
            "op": "In",
            "left": _value(ctx, f"{where} In", c.get("QueryValue")),
            "right": [_value(ctx, f"{where} In", v) for v in c.get("Values") or []],
        }
    if kind == "Not":
        inner = _condition(ctx, where, c.get("Expression"))
        return {"op": "Not", "conditions": [inner]} if inner is not None else None
    if kind == "Or":
        inner_list = [_condition(ctx, where, x) for x in c.get("Conditions") or []]
        return {"op": "Or", "conditions": [x for x in inner_list if x is not None]}
    ctx.errors.append(f"{where}: condition type {kind!r} is not supported")
    return None


def _fail(ctx: _Context, where: str, _name: str, args: Mapping[str, Any]) -> dict[str, Any]:
    return {"error_message": _value(ctx, f"{where} ErrorMessage", args.get("ErrorMessage", ""))}


def _register(
    ctx: _Context, where: str, _name: str, args: Mapping[str, Any]
) -> dict[str, Any] | None:
    group = args.get("ModelPackageGroupName")
    containers = (args.get("InferenceSpecification") or {}).get("Containers") or []
    if not isinstance(group, str) or not containers:
        ctx.errors.append(
            f"{where}: needs a literal ModelPackageGroupName and an InferenceSpecification "
            "container with ModelDataUrl"
        )
        return None
    if len(containers) > 1:
        ctx.notes.append(f"{where}: only the first of {len(containers)} containers is used")
    status = args.get("ModelApprovalStatus", "PendingManualApproval")
    if isinstance(status, Mapping):  # a parameter: its default (the document needs a literal)
        ref = status.get("Get", "")
        default = ctx.parameters.get(str(ref).removeprefix("Parameters."))
        ctx.notes.append(f"{where}: ModelApprovalStatus is {ref}; its default {default!r} is used")
        status = default or "PendingManualApproval"
    return {
        "model": _value(ctx, f"{where} ModelDataUrl", containers[0].get("ModelDataUrl"), path=True),
        "model_name": group,
        "approval_status": status,
        "description": str(args.get("ModelPackageDescription") or ""),
    }


def _transform(
    ctx: _Context, where: str, _name: str, args: Mapping[str, Any]
) -> dict[str, Any] | None:
    model = args.get("ModelName")
    out: dict[str, Any] = {}
    ref = model.get("Get") if isinstance(model, Mapping) else None
    if isinstance(model, str):
        out["model_name"] = model
    elif isinstance(ref, str) and ref.split(".")[1:2] and ref.split(".")[1] in ctx.registered:
        source = ref.split(".")[1]
        out["model_name"] = ctx.registered[source]
        out["version"] = {"Get": f"Steps.{source}.Properties.ModelVersion"}
    else:
        ctx.errors.append(
            f"{where}: ModelName {model!r} is not supported (a model group's name, or a "
            "RegisterModel step's model; Model steps do not map)"
        )
        return None
    source_uri = (
        ((args.get("TransformInput") or {}).get("DataSource") or {}).get("S3DataSource") or {}
    ).get("S3Uri")
    out["input"] = _value(ctx, f"{where} TransformInput", source_uri, path=True)
    output = (args.get("TransformOutput") or {}).get("S3OutputPath")
    if output is not None:
        out["output"] = _value(ctx, f"{where} TransformOutput", output, path=True)
    out["output_format"] = "csv"
    return out


# -- values and references ---------------------------------------------------------------
def _value(ctx: _Context, where: str, value: Any, *, path: bool = False) -> Any:
    """A literal (S3 URIs mapped by ``paths``) or a reference in our spelling."""
    if isinstance(value, Mapping):
        if set(value) == {"Get"}:
            return _get(ctx, where, str(value["Get"]))
        if set(value) == {"Std:JsonGet"}:
            return _json_get(ctx, where, value["Std:JsonGet"])
        if set(value) == {"Std:Join"}:
            return _join(ctx, where, value["Std:Join"])
        ctx.errors.append(f"{where}: value {json.dumps(value)[:120]} is not supported")
        return None
    if path and isinstance(value, str):
        return _local(ctx, value)
    return value


def _local(ctx: _Context, uri: str) -> str:
    for prefix in sorted(ctx.paths, key=len, reverse=True):
        if uri == prefix or uri.startswith(prefix.rstrip("/") + "/"):
            return ctx.paths[prefix] + uri[len(prefix.rstrip("/")) :]
    return uri


def _get(ctx: _Context, where: str, path: str) -> Any:
    if path.startswith("Parameters."):
        return {"Get": path}
    execution = {
        "Execution.PipelineExecutionId": "Execution.Id",
        "Execution.PipelineExecutionArn": "Execution.Id",
        "Execution.StartDateTime": "Execution.StartTime",
    }
    if path in execution:
        return {"Get": execution[path]}
    match = _OUTPUT_REF.match(path)
    if match:
        return {"Get": f"Steps.{match.group(1)}.Outputs.{match.group(2)}"}
    match = _METRIC_REF.match(path)
    if match:
        return {"Get": f"Steps.{match.group(1)}.Metrics.{match.group(2)}"}
    parts = path.split(".")
    if len(parts) == 3 and parts[0] == "Steps":
        step, prop = parts[1], parts[2]
        if prop in ("ProcessingJobName", "TrainingJobName", "TransformJobName"):
            return {"Get": f"Steps.{step}.Properties.JobName"}
    if path.endswith(".ModelArtifacts.S3ModelArtifacts") and len(parts) == 4:
        return {"Get": f"Steps.{parts[1]}.Outputs.model"}
    ctx.errors.append(f"{where}: property {path!r} is not supported")
    return None


def _json_get(ctx: _Context, where: str, spec: Any) -> Any:
    pf = spec.get("PropertyFile") if isinstance(spec, Mapping) else None
    ref = pf.get("Get") if isinstance(pf, Mapping) else None
    parts = str(ref).split(".") if ref else []
    if len(parts) == 4 and parts[0] == "Steps" and parts[2] == "PropertyFiles":
        found = ctx.property_files.get((parts[1], parts[3]))
        if found is not None:
            output, file_path = found
            return {
                "JsonGet": {
                    "step": parts[1],
                    "output": output,
                    "path": f"{file_path}:{spec.get('Path', '')}",
                }
            }
    ctx.errors.append(f"{where}: Std:JsonGet of {pf!r} names no step's PropertyFiles entry")
    return None


def _join(ctx: _Context, where: str, spec: Any) -> Any:
    on = str(spec.get("On", "")) if isinstance(spec, Mapping) else ""
    values = spec.get("Values", []) if isinstance(spec, Mapping) else []
    parts: list[str] = []
    for v in values:
        converted = _value(ctx, where, v)
        if isinstance(converted, Mapping) and "Get" in converted:
            # a reference inside a text: shown by its path (the document's values are
            # either a reference or a literal)
            parts.append("{" + str(converted["Get"]) + "}")
            ctx.notes.append(f"{where}: Std:Join keeps {converted['Get']} as text")
        else:
            parts.append(str(converted))
    return on.join(parts)


def _plain(value: Any) -> Any:
    """A hyperparameter as SageMaker wrote it: JSON-quoted strings unquoted."""
    return _unquote(value) if isinstance(value, str) else value


def _unquote(text: str) -> str:
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        try:
            return str(json.loads(text))
        except json.JSONDecodeError:
            pass
    return text


def _code_path(ctx: _Context, name: str) -> str:
    return name if ctx.code_dir == "." else f"{ctx.code_dir}/{name}"


def _number(value: Any) -> Any:
    if isinstance(value, str):
        for cast in (int, float):
            try:
                return cast(value)
            except ValueError:
                pass
    return value


def _duration(ctx: _Context, where: str, text: Any) -> int | None:
    """An ISO 8601 duration (SageMaker's ExpireAfter, e.g. P30D, PT1H) in seconds."""
    if text is None:
        return None
    match = re.fullmatch(
        r"P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", str(text)
    )
    if not match or not any(match.groups()):
        ctx.errors.append(f"{where}: CacheConfig ExpireAfter {text!r} is not a duration")
        return None
    weeks, days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return (((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds
