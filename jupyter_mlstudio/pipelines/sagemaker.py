"""Import a SageMaker pipeline definition (the JSON ``pipeline.definition()`` returns)
as a ``.pipeline`` document, so an existing definition runs locally.

Step types mapped: Processing, Training, Condition, Fail, RegisterModel, Transform.
S3 URIs stay as they are (fsspec reads them where credentials exist); a processing
step's code is its input named ``code`` (what the SageMaker SDK uploads), run from the
last element of ``ContainerEntrypoint``. Property paths are mapped:

- ``Steps.X.ModelArtifacts.S3ModelArtifacts`` → ``Steps.X.Outputs.model``
- ``Steps.X.FinalMetricDataList['m'].Value`` → ``Steps.X.Metrics.m``
- ``Steps.X.ProcessingOutputConfig.Outputs['o'].S3Output.S3Uri`` → ``Steps.X.Outputs.o``
- ``Steps.X.TrainingJobName`` (``ProcessingJobName``, ``TransformJobName``) →
  ``Steps.X.Properties.JobName``
- ``Steps.X.TransformOutput.S3OutputPath`` → ``Steps.X.Outputs.output``
- ``Steps.X.ModelPackageArn`` → ``Steps.X.Properties.ModelVersion``
- ``Std:JsonGet`` on a step's property file → ``JsonGet`` ``<file>:<path>`` in its output
- ``Execution.PipelineExecutionId`` → ``Execution.Id``; ``Execution.StartDateTime`` →
  ``Execution.StartTime``

Anything else (other step types, ``Std:Join``, other property paths) is named in the
error, with every unsupported item at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ..errors import InvalidArgumentError

SUPPORTED = ("Processing", "Training", "Condition", "Fail", "RegisterModel", "Transform")
_CONDITION_OPS = {
    "Equals": "Equals",
    "GreaterThan": "GreaterThan",
    "GreaterThanOrEqualTo": "GreaterThanOrEqualTo",
    "LessThan": "LessThan",
    "LessThanOrEqualTo": "LessThanOrEqualTo",
    "In": "In",
    "Not": "Not",
    "Or": "Or",
}
_PATHS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Steps\.([^.]+)\.ModelArtifacts\.S3ModelArtifacts$"), r"Steps.\1.Outputs.model"),
    (
        re.compile(r"^Steps\.([^.]+)\.FinalMetricDataList\[['\"]?(.+?)['\"]?\]\.Value$"),
        r"Steps.\1.Metrics.\2",
    ),
    (
        re.compile(
            r"^Steps\.([^.]+)\.ProcessingOutputConfig\.Outputs\[['\"]?(.+?)['\"]?\]"
            r"\.S3Output\.S3Uri$"
        ),
        r"Steps.\1.Outputs.\2",
    ),
    (
        re.compile(r"^Steps\.([^.]+)\.(TrainingJobName|ProcessingJobName|TransformJobName)$"),
        r"Steps.\1.Properties.JobName",
    ),
    (re.compile(r"^Steps\.([^.]+)\.TransformOutput\.S3OutputPath$"), r"Steps.\1.Outputs.output"),
    (re.compile(r"^Steps\.([^.]+)\.ModelPackageArn$"), r"Steps.\1.Properties.ModelVersion"),
    (re.compile(r"^Parameters\.(.+)$"), r"Parameters.\1"),
    (re.compile(r"^Execution\.PipelineExecutionId$"), "Execution.Id"),
    (re.compile(r"^Execution\.StartDateTime$"), "Execution.StartTime"),
]
_PARAMETER_TYPES = {
    "String": "String",
    "Integer": "Integer",
    "Float": "Float",
    "Boolean": "Boolean",
}


class _Importer:
    def __init__(self, definition: Mapping[str, Any]) -> None:
        self.definition = definition
        self.problems: list[str] = []
        self.property_files: dict[tuple[str, str], tuple[str, str]] = {}

    def value(self, value: Any, where: str) -> Any:
        """A SageMaker value with its references mapped (``Get``, ``Std:JsonGet``)."""
        if isinstance(value, dict):
            if set(value) == {"Get"}:
                path = str(value["Get"])
                for pattern, replacement in _PATHS:
                    if pattern.match(path):
                        return {"Get": pattern.sub(replacement, path)}
                self.problems.append(f"{where}: property path {path!r} has no local equivalent")
                return None
            if "Std:JsonGet" in value:
                spec = value["Std:JsonGet"]
                file_ref = spec.get("PropertyFile", {})
                file_ref = file_ref.get("Get", "") if isinstance(file_ref, dict) else str(file_ref)
                match = re.match(r"^Steps\.([^.]+)\.PropertyFiles\.(.+)$", file_ref)
                found = self.property_files.get((match[1], match[2])) if match else None
                if found is None:
                    self.problems.append(f"{where}: Std:JsonGet on an unknown property file")
                    return None
                output, file_path = found
                step = match[1] if match else ""
                return {
                    "JsonGet": {
                        "step": step,
                        "output": output,
                        "path": f"{file_path}:{spec.get('Path', '')}",
                    }
                }
            if any(k.startswith("Std:") for k in value):
                self.problems.append(f"{where}: {', '.join(value)} is not supported")
                return None
            return {k: self.value(v, f"{where}.{k}") for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return value

    def flatten(self, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Steps with the Condition steps' nested branch steps brought to the top."""
        out: list[dict[str, Any]] = []
        for step in steps:
            out.append(step)
            if step.get("Type") == "Condition":
                arguments = step.get("Arguments", {})
                for key in ("IfSteps", "ElseSteps"):
                    nested = [s for s in arguments.get(key, []) if isinstance(s, dict)]
                    out.extend(self.flatten(nested))
        return out

    def step(self, sm: Mapping[str, Any]) -> dict[str, Any] | None:
        name = str(sm.get("Name", ""))
        kind = sm.get("Type")
        where = f"step {name!r}"
        a = sm.get("Arguments", {}) or {}
        arguments: dict[str, Any]
        if kind == "Processing":
            inputs = {
                i["InputName"]: self.value(
                    i.get("S3Input", {}).get("S3Uri"), f"{where}.{i['InputName']}"
                )
                for i in a.get("ProcessingInputs", [])
            }
            code = inputs.pop("code", None)
            entry = (a.get("AppSpecification", {}).get("ContainerEntrypoint") or [])[-1:]
            if code is None and not entry:
                self.problems.append(f"{where}: no 'code' input and no ContainerEntrypoint")
            outputs = [
                o["OutputName"] for o in a.get("ProcessingOutputConfig", {}).get("Outputs", [])
            ]
            arguments = {
                "code": code if code is not None else entry[0] if entry else "",
                "arguments": self.value(
                    a.get("AppSpecification", {}).get("ContainerArguments", []), where
                ),
                "inputs": inputs,
                "outputs": outputs,
                "environment": self.value(a.get("Environment", {}), where),
            }
            for pf in sm.get("PropertyFiles", []) or []:
                self.property_files[(name, pf["PropertyFileName"])] = (
                    pf["OutputName"],
                    pf["FilePath"],
                )
        elif kind == "Training":
            hps = dict(a.get("HyperParameters", {}) or {})
            program = hps.pop("sagemaker_program", None)
            source = hps.pop("sagemaker_submit_directory", None)
            for key in [k for k in hps if k.startswith("sagemaker_")]:
                hps.pop(key)
            channels = {
                c["ChannelName"]: self.value(
                    c.get("DataSource", {}).get("S3DataSource", {}).get("S3Uri"),
                    f"{where}.{c['ChannelName']}",
                )
                for c in a.get("InputDataConfig", [])
            }
            image = str(a.get("AlgorithmSpecification", {}).get("TrainingImage", ""))
            if program is None:
                self.problems.append(
                    f"{where}: a training image ({image or 'none'}) without a script "
                    "(sagemaker_program) has no local equivalent; use a built-in algorithm"
                )
                return None
            arguments = {
                "entry_point": json.loads(program) if str(program).startswith('"') else program,
                "channels": channels,
                "hyperparameters": {
                    k: json.loads(v) if isinstance(v, str) and v[:1] in '"[{0123456789-' else v
                    for k, v in hps.items()
                },
            }
            if source and not str(source).startswith(("s3://", '"s3://')):
                arguments["source_dir"] = (
                    json.loads(source) if str(source).startswith('"') else source
                )
        elif kind == "Condition":
            arguments = {
                "conditions": [self.condition(c, where) for c in a.get("Conditions", [])],
                "if_steps": [s["Name"] if isinstance(s, dict) else s for s in a.get("IfSteps", [])],
                "else_steps": [
                    s["Name"] if isinstance(s, dict) else s for s in a.get("ElseSteps", [])
                ],
            }
        elif kind == "Fail":
            arguments = {"error_message": self.value(a.get("ErrorMessage", ""), where)}
        elif kind == "RegisterModel":
            containers = a.get("InferenceSpecification", {}).get("Containers", [])
            model = self.value(containers[0].get("ModelDataUrl") if containers else None, where)
            arguments = {
                "model": model,
                "model_name": a.get("ModelPackageGroupName", name),
                "approval_status": a.get("ModelApprovalStatus", "PendingManualApproval"),
            }
        elif kind == "Transform":
            arguments = {
                "model_name": a.get("ModelName", ""),
                "input": self.value(
                    a.get("TransformInput", {})
                    .get("DataSource", {})
                    .get("S3DataSource", {})
                    .get("S3Uri"),
                    where,
                ),
                "output": self.value(a.get("TransformOutput", {}).get("S3OutputPath"), where),
            }
        else:
            self.problems.append(f"{where}: step type {kind!r} is not supported")
            return None
        document: dict[str, Any] = {
            "name": name,
            "type": kind,
            "description": str(sm.get("Description", "") or ""),
            "arguments": arguments,
            "depends_on": list(sm.get("DependsOn", []) or []),
        }
        cache = sm.get("CacheConfig")
        if isinstance(cache, dict):
            document["cache"] = {"enabled": bool(cache.get("Enabled", False))}
            expiry = _duration_seconds(cache.get("ExpireAfter"))
            if expiry is not None:
                document["cache"]["expire_after_seconds"] = expiry
        else:
            document["cache"] = {"enabled": False}  # SageMaker caches only when asked
        attempts = [
            p.get("MaxAttempts", 1)
            for p in sm.get("RetryPolicies", []) or []
            if isinstance(p, dict)
        ]
        if attempts:
            document["retry"] = {"max_attempts": max(1, int(max(attempts)))}
        return document

    def condition(self, sm: Mapping[str, Any], where: str) -> dict[str, Any]:
        kind = sm.get("Type")
        op = _CONDITION_OPS.get(str(kind))
        if op is None:
            self.problems.append(f"{where}: condition {kind!r} is not supported")
            return {"op": "Equals", "left": 0, "right": 0}
        if op == "Not":
            return {"op": "Not", "conditions": [self.condition(sm.get("Expression", {}), where)]}
        if op == "Or":
            return {
                "op": "Or",
                "conditions": [self.condition(c, where) for c in sm.get("Conditions", [])],
            }
        if op == "In":
            return {
                "op": "In",
                "left": self.value(sm.get("QueryValue"), where),
                "right": self.value(list(sm.get("Values", [])), where),
            }
        return {
            "op": op,
            "left": self.value(sm.get("LeftValue"), where),
            "right": self.value(sm.get("RightValue"), where),
        }


def _duration_seconds(text: Any) -> int | None:
    """An ISO 8601 duration such as P30D or PT1H as seconds."""
    if not isinstance(text, str):
        return None
    match = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", text)
    if not match:
        return None
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def from_sagemaker(definition: Any, name: str | None = None) -> dict[str, Any]:
    """The ``.pipeline`` document of a SageMaker pipeline definition (a dict or its
    JSON text); ``InvalidArgumentError`` lists everything that has no local equivalent."""
    if isinstance(definition, str | bytes):
        try:
            definition = json.loads(definition)
        except ValueError as exc:
            raise InvalidArgumentError(f"not a JSON pipeline definition: {exc}") from None
    if not isinstance(definition, dict) or not isinstance(definition.get("Steps"), list):
        raise InvalidArgumentError("a SageMaker pipeline definition has a 'Steps' list")
    importer = _Importer(definition)
    parameters = []
    for p in definition.get("Parameters", []) or []:
        kind = _PARAMETER_TYPES.get(str(p.get("Type", "String")))
        if kind is None:
            importer.problems.append(f"parameter {p.get('Name')!r}: type {p.get('Type')!r}")
            continue
        parameters.append({"name": p["Name"], "type": kind, "default": p.get("DefaultValue")})
    flat = importer.flatten(definition["Steps"])
    # property files first: a JsonGet may come before the step that declares the file
    for sm in flat:
        for pf in sm.get("PropertyFiles", []) or []:
            importer.property_files[(sm.get("Name", ""), pf["PropertyFileName"])] = (
                pf["OutputName"],
                pf["FilePath"],
            )
    steps = [s for s in (importer.step(sm) for sm in flat) if s is not None]
    if importer.problems:
        raise InvalidArgumentError(
            "This SageMaker pipeline cannot run locally as it is: " + "; ".join(importer.problems)
        )
    return {
        "format": "mlstudio.pipeline",
        "version": 1,
        "name": name
        or re.sub(r"[^A-Za-z0-9._-]+", "-", str(definition.get("Name", "sagemaker")))[:128]
        or "sagemaker",
        "description": "Imported from a SageMaker pipeline definition",
        "parameters": parameters,
        "steps": steps,
    }
