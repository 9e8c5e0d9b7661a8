"""The Python DSL: build the same ``.pipeline`` document the editor writes.

    import jupyter_mlstudio as mls
    from jupyter_mlstudio.pipelines import TrainingStep, ConditionStep, FailStep, Condition

    min_auc = mls.ParameterFloat("min_auc", default=0.9)
    train = TrainingStep("train", algorithm="random-forest-classifier", data="train.csv",
                         target="label")

    @mls.step(outputs={"auc": float})
    def evaluate(model: str) -> float: ...

    ev = evaluate(model=train.outputs["model"])
    check = ConditionStep("check", conditions=[Condition.ge(ev.outputs["auc"], min_auc)],
                          if_steps=[...], else_steps=[FailStep("fail", "AUC too low")])
    p = mls.Pipeline("retrain", steps=[train, ev, check], parameters=[min_auc])
    p.save("retrain.pipeline"); mls.Pipeline.load("retrain.pipeline") == p   # True

A step keeps its arguments as document JSON; parameters, ``step.outputs[...]``,
``step.metrics[...]``, ``step.properties[...]`` and :class:`JsonGet` become references.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .definition import (
    FORMAT,
    VERSION,
    CachePolicy,
    Parameter,
    PipelineDocument,
    RetryPolicy,
    StepDocument,
    load_document,
)

if TYPE_CHECKING:
    from ..studio import Studio
    from .handle import ExecutionHandle


class _Ref:
    """A reference value: serializes to ``{"Get": path}``."""

    def __init__(self, path: str) -> None:
        self.path = path

    def to_json(self) -> dict[str, Any]:
        return {"Get": self.path}

    def __repr__(self) -> str:
        return f"Get({self.path!r})"


class JsonGet:
    """A value read from a JSON output of a step: ``JsonGet(evaluate, "report", "metrics.auc")``."""

    def __init__(self, step: Step | str, output: str, path: str) -> None:
        self.step = step.name if isinstance(step, Step) else step
        self.output = output
        self.path = path

    def to_json(self) -> dict[str, Any]:
        return {"JsonGet": {"step": self.step, "output": self.output, "path": self.path}}


class _Refs:
    """``step.outputs["model"]`` and friends."""

    def __init__(self, step: str, category: str) -> None:
        self._step = step
        self._category = category

    def __getitem__(self, name: str) -> _Ref:
        return _Ref(f"Steps.{self._step}.{self._category}.{name}")

    def __getattr__(self, name: str) -> _Ref:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]


class _Parameter:
    type = "String"

    def __init__(self, name: str, default: Any = None, description: str = "") -> None:
        self.name = name
        self.default = default
        self.description = description

    def to_json(self) -> dict[str, Any]:
        return {"Get": f"Parameters.{self.name}"}

    def to_document(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "default": self.default,
            "description": self.description,
        }

    def __repr__(self) -> str:
        return f"Parameter{self.type}({self.name!r}, default={self.default!r})"


class ParameterString(_Parameter):
    type = "String"


class ParameterInteger(_Parameter):
    type = "Integer"


class ParameterFloat(_Parameter):
    type = "Float"


class ParameterBoolean(_Parameter):
    type = "Boolean"


_PARAMETER_CLASSES: dict[str, type[_Parameter]] = {
    c.type: c for c in (ParameterString, ParameterInteger, ParameterFloat, ParameterBoolean)
}
EXECUTION_ID = _Ref("Execution.Id")
EXECUTION_START_TIME = _Ref("Execution.StartTime")


def to_json(value: Any) -> Any:
    """A DSL value as document JSON (references, steps by name, nested containers)."""
    if isinstance(value, _Ref | JsonGet | _Parameter):
        return value.to_json()
    if isinstance(value, Step):
        return value.name
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


class Condition:
    """Condition expressions for :class:`ConditionStep`."""

    @staticmethod
    def _cmp(op: str, left: Any, right: Any) -> dict[str, Any]:
        return {"op": op, "left": to_json(left), "right": to_json(right)}

    @staticmethod
    def equals(left: Any, right: Any) -> dict[str, Any]:
        return Condition._cmp("Equals", left, right)

    @staticmethod
    def gt(left: Any, right: Any) -> dict[str, Any]:
        return Condition._cmp("GreaterThan", left, right)

    @staticmethod
    def ge(left: Any, right: Any) -> dict[str, Any]:
        return Condition._cmp("GreaterThanOrEqualTo", left, right)

    @staticmethod
    def lt(left: Any, right: Any) -> dict[str, Any]:
        return Condition._cmp("LessThan", left, right)

    @staticmethod
    def le(left: Any, right: Any) -> dict[str, Any]:
        return Condition._cmp("LessThanOrEqualTo", left, right)

    @staticmethod
    def in_(value: Any, values: Sequence[Any]) -> dict[str, Any]:
        return Condition._cmp("In", value, list(values))

    @staticmethod
    def not_(condition: dict[str, Any]) -> dict[str, Any]:
        return {"op": "Not", "conditions": [condition]}

    @staticmethod
    def and_(*conditions: dict[str, Any]) -> dict[str, Any]:
        return {"op": "And", "conditions": list(conditions)}

    @staticmethod
    def or_(*conditions: dict[str, Any]) -> dict[str, Any]:
        return {"op": "Or", "conditions": list(conditions)}


class Step:
    """A step of any type; the typed subclasses only build ``arguments``."""

    type = ""

    def __init__(
        self,
        name: str,
        *,
        type: str | None = None,
        arguments: Mapping[str, Any] | None = None,
        depends_on: Iterable[Step | str] = (),
        retry: RetryPolicy | Mapping[str, Any] | None = None,
        timeout_seconds: float | None = None,
        cache: CachePolicy | Mapping[str, Any] | bool | None = None,
        description: str = "",
        ui: Mapping[str, Any] | None = None,
    ) -> None:
        self.name = name
        if type is not None:
            self.type = type
        self.arguments: dict[str, Any] = {
            k: to_json(v) for k, v in (arguments or {}).items() if v is not None
        }
        self.depends_on = [to_json(d) for d in depends_on]
        self.retry = (
            RetryPolicy.model_validate(retry or {}) if not isinstance(retry, RetryPolicy) else retry
        )
        if isinstance(cache, bool):
            cache = CachePolicy(enabled=cache)
        self.cache = (
            CachePolicy.model_validate(cache or {}) if not isinstance(cache, CachePolicy) else cache
        )
        self.timeout_seconds = timeout_seconds
        self.description = description
        self.ui = dict(ui or {})

    @property
    def outputs(self) -> _Refs:
        return _Refs(self.name, "Outputs")

    @property
    def metrics(self) -> _Refs:
        return _Refs(self.name, "Metrics")

    @property
    def properties(self) -> _Refs:
        return _Refs(self.name, "Properties")

    def to_document(self) -> StepDocument:
        return StepDocument(
            name=self.name,
            type=self.type,
            description=self.description,
            arguments=self.arguments,
            depends_on=list(self.depends_on),
            retry=self.retry,
            timeout_seconds=self.timeout_seconds,
            cache=self.cache,
            ui=self.ui,
        )

    @classmethod
    def from_document(cls, doc: StepDocument) -> Step:
        step_class = STEP_CLASSES.get(doc.type, Step)
        item = step_class.__new__(step_class)
        Step.__init__(
            item,
            doc.name,
            type=doc.type,
            arguments=doc.arguments,
            depends_on=doc.depends_on,
            retry=doc.retry,
            timeout_seconds=doc.timeout_seconds,
            cache=doc.cache,
            description=doc.description,
            ui=doc.ui,
        )
        return item

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Step) and self.to_document() == other.to_document()

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"<{self.type} step {self.name!r}>"


class ProcessingStep(Step):
    type = "Processing"

    def __init__(
        self,
        name: str,
        code: str | Path,
        *,
        arguments: Sequence[Any] = (),
        parameters: Mapping[str, Any] | None = None,
        inputs: Mapping[str, Any] | None = None,
        outputs: Sequence[str] = (),
        environment: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(
            name,
            arguments={
                "code": code,
                "arguments": list(arguments),
                "parameters": dict(parameters or {}),
                "inputs": dict(inputs or {}),
                "outputs": list(outputs),
                "environment": dict(environment or {}),
            },
            **options,
        )


class NotebookStep(Step):
    type = "Notebook"

    def __init__(
        self,
        name: str,
        notebook: str | Path,
        *,
        parameters: Mapping[str, Any] | None = None,
        inputs: Mapping[str, Any] | None = None,
        outputs: Sequence[str] = (),
        **options: Any,
    ) -> None:
        super().__init__(
            name,
            arguments={
                "notebook": notebook,
                "parameters": dict(parameters or {}),
                "inputs": dict(inputs or {}),
                "outputs": list(outputs),
            },
            **options,
        )


class TrainingStep(Step):
    type = "Training"

    def __init__(
        self,
        name: str,
        *,
        algorithm: str | None = None,
        entry_point: Any = None,
        source_dir: Any = None,
        data: Any = None,
        channels: Mapping[str, Any] | None = None,
        target: Any = None,
        hyperparameters: Mapping[str, Any] | None = None,
        exclude_columns: Sequence[str] = (),
        environment: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> None:
        arguments: dict[str, Any] = {
            "algorithm": algorithm,
            "entry_point": entry_point,
            "source_dir": source_dir,
            "data": data,
            "target": target,
            "hyperparameters": dict(hyperparameters or {}),
        }
        if channels:
            arguments["channels"] = dict(channels)
        if exclude_columns:
            arguments["exclude_columns"] = list(exclude_columns)
        if environment:
            arguments["environment"] = dict(environment)
        super().__init__(name, arguments=arguments, **options)


class PythonStep(Step):
    type = "Python"

    def __init__(
        self,
        name: str,
        file: str | Path,
        function: str,
        *,
        kwargs: Mapping[str, Any] | None = None,
        outputs: Mapping[str, Any] | Sequence[str] = (),
        **options: Any,
    ) -> None:
        super().__init__(
            name,
            arguments={
                "file": file,
                "function": function,
                "kwargs": dict(kwargs or {}),
                "outputs": _output_list(outputs),
            },
            **options,
        )


class ConditionStep(Step):
    type = "Condition"

    def __init__(
        self,
        name: str,
        conditions: Sequence[dict[str, Any]],
        *,
        if_steps: Sequence[Step | str] = (),
        else_steps: Sequence[Step | str] = (),
        **options: Any,
    ) -> None:
        self._branch_steps = [s for s in (*if_steps, *else_steps) if isinstance(s, Step)]
        super().__init__(
            name,
            arguments={
                "conditions": list(conditions),
                "if_steps": list(if_steps),
                "else_steps": list(else_steps),
            },
            **options,
        )


class FailStep(Step):
    type = "Fail"

    def __init__(self, name: str, error_message: Any = "", **options: Any) -> None:
        super().__init__(name, arguments={"error_message": error_message}, **options)


class RegisterModelStep(Step):
    type = "RegisterModel"

    def __init__(
        self,
        name: str,
        model: Any,
        model_name: str,
        *,
        approval_status: str = "PendingManualApproval",
        description: Any = "",
        tags: Mapping[str, Any] | None = None,
        trust_code: bool = False,
        **options: Any,
    ) -> None:
        super().__init__(
            name,
            arguments={
                "model": model,
                "model_name": model_name,
                "approval_status": approval_status,
                "description": description,
                "tags": dict(tags or {}),
                # a model with inference code deploys only when trusted
                **({"trust_code": True} if trust_code else {}),
            },
            **options,
        )


class DeployStep(Step):
    type = "Deploy"

    def __init__(
        self, name: str, model_name: str, endpoint_name: str, *, version: Any = None, **options: Any
    ) -> None:
        super().__init__(
            name,
            arguments={
                "model_name": model_name,
                "endpoint_name": endpoint_name,
                "version": version,
            },
            **options,
        )


class TransformStep(Step):
    type = "Transform"

    def __init__(
        self,
        name: str,
        model_name: str,
        input: Any,
        *,
        output: Any = None,
        version: Any = None,
        output_format: str = "parquet",
        **options: Any,
    ) -> None:
        super().__init__(
            name,
            arguments={
                "model_name": model_name,
                "input": input,
                "output": output,
                "version": version,
                "output_format": output_format,
            },
            **options,
        )


class TuningStep(Step):
    """A tuning job; ``ranges`` in the forms ``mls.tune`` takes (``(2, 12)``,
    ``range(2, 13)``, ``["gini", "entropy"]`` or the spec's dicts). Outputs ``model`` (the
    best trial's), properties ``BestObjectiveValue`` and ``BestHyperparameters``."""

    type = "Tuning"

    def __init__(
        self,
        name: str,
        *,
        ranges: Mapping[str, Any],
        objective: str,
        direction: str = "Maximize",
        algorithm: str | None = None,
        entry_point: Any = None,
        source_dir: Any = None,
        data: Any = None,
        target: Any = None,
        hyperparameters: Mapping[str, Any] | None = None,
        max_trials: int = 4,
        max_parallel: int = 1,
        strategy: str = "Bayesian",
        random_seed: int | None = None,
        **options: Any,
    ) -> None:
        from ..tuning.handle import python_space

        super().__init__(
            name,
            arguments={
                "algorithm": algorithm,
                "entry_point": entry_point,
                "source_dir": source_dir,
                "data": data,
                "target": target,
                "hyperparameters": dict(hyperparameters or {}),
                "hyperparameter_ranges": python_space(ranges),
                "objective_metric": objective,
                "objective_direction": direction.capitalize(),
                "max_trials": max_trials,
                "max_parallel": max_parallel,
                "strategy": strategy,
                "random_seed": random_seed,
            },
            **options,
        )


class FeatureIngestStep(Step):
    type = "FeatureIngest"

    def __init__(
        self,
        name: str,
        feature_group: str,
        data: Any,
        *,
        batch_size: int | None = None,
        **options: Any,
    ) -> None:
        super().__init__(
            name,
            arguments={"feature_group": feature_group, "data": data, "batch_size": batch_size},
            **options,
        )


class MonitorBaselineStep(Step):
    type = "MonitorBaseline"

    def __init__(self, name: str, data: Any, **options: Any) -> None:
        super().__init__(name, arguments={"data": data}, **options)


class MonitorCheckStep(Step):
    """A one-off check of ``data`` against ``baseline``; metric ``Violations``."""

    type = "MonitorCheck"

    def __init__(
        self,
        name: str,
        baseline: Any,
        data: Any,
        *,
        options: Mapping[str, Any] | None = None,
        **step_options: Any,
    ) -> None:
        arguments: dict[str, Any] = {"baseline": baseline, "data": data}
        if options:
            arguments["options"] = dict(options)
        super().__init__(name, arguments=arguments, **step_options)


STEP_CLASSES: dict[str, type[Step]] = {
    c.type: c
    for c in (
        ProcessingStep,
        NotebookStep,
        TrainingStep,
        PythonStep,
        ConditionStep,
        FailStep,
        RegisterModelStep,
        DeployStep,
        TransformStep,
        TuningStep,
        FeatureIngestStep,
        MonitorBaselineStep,
        MonitorCheckStep,
    )
}

_PY_TYPES = {float: "Float", int: "Integer", str: "String", bool: "Boolean", Path: "File"}


def _output_list(outputs: Mapping[str, Any] | Sequence[str]) -> list[dict[str, str]]:
    if isinstance(outputs, Mapping):
        return [
            {"name": name, "type": _PY_TYPES.get(kind, kind if isinstance(kind, str) else "Json")}
            for name, kind in outputs.items()
        ]
    return [{"name": name, "type": "Json"} for name in outputs]


class _StepFunction:
    """What ``@step`` makes of a function: calling it gives a :class:`PythonStep`
    (``name=`` and the step options may be given too); ``.function`` is the original."""

    def __init__(
        self, function: Callable[..., Any], outputs: Any, options: Mapping[str, Any]
    ) -> None:
        self.function = function
        self.options = dict(options)
        if outputs is None:
            annotation = inspect.signature(function).return_annotation
            if isinstance(annotation, str):
                annotation = {"float": float, "int": int, "str": str, "bool": bool}.get(annotation)
            outputs = (
                {"result": annotation} if annotation not in (None, inspect.Signature.empty) else {}
            )
        self.outputs = outputs
        self.file = inspect.getsourcefile(function)
        if self.file is None or function.__name__ == "<lambda>" or "<" in function.__qualname__:
            raise ValueError("@step needs a module-level function defined in a .py file")

    def __call__(self, *, name: str | None = None, **kwargs: Any) -> PythonStep:
        options = {k: kwargs.pop(k) for k in list(kwargs) if k in _STEP_OPTIONS}
        return PythonStep(
            name or self.function.__name__.replace("_", "-"),
            str(self.file),
            self.function.__name__,
            kwargs=kwargs,
            outputs=self.outputs,
            **(self.options | options),
        )


_STEP_OPTIONS = ("depends_on", "retry", "timeout_seconds", "cache", "description")


def step(function: Callable[..., Any] | None = None, *, outputs: Any = None, **options: Any) -> Any:
    """Make a module-level function a pipeline step: ``@mls.step`` or
    ``@mls.step(outputs={"auc": float, "report": "Json"}, retry={"max_attempts": 2})``.
    Calling the decorated function with keyword arguments (plain values or references)
    returns the :class:`PythonStep`; it runs as a job that imports the function's file."""

    def wrap(fn: Callable[..., Any]) -> _StepFunction:
        return _StepFunction(fn, outputs, options)

    return wrap(function) if function is not None else wrap


class Pipeline:
    def __init__(
        self,
        name: str,
        steps: Sequence[Step] = (),
        parameters: Sequence[_Parameter] = (),
        *,
        description: str = "",
        max_parallel: int = 4,
        ui: Mapping[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.description = description
        self.max_parallel = max_parallel
        self.parameters = list(parameters)
        self.ui = dict(ui or {})
        # branch steps given as objects to a ConditionStep join the pipeline too
        ordered: list[Step] = []
        for item in steps:
            for candidate in (item, *getattr(item, "_branch_steps", [])):
                if all(candidate is not s for s in ordered):
                    ordered.append(candidate)
        self.steps = ordered

    def to_document(self) -> PipelineDocument:
        return PipelineDocument(
            format=FORMAT,
            version=VERSION,
            name=self.name,
            description=self.description,
            parameters=[Parameter.model_validate(p.to_document()) for p in self.parameters],
            max_parallel=self.max_parallel,
            steps=[s.to_document() for s in self.steps],
            ui=self.ui,
        )

    def definition(self) -> dict[str, Any]:
        """The document as JSON data (validated)."""
        return load_document(self.to_document().model_dump(mode="json")).document.model_dump(
            mode="json"
        )

    def to_json(self) -> str:
        return json.dumps(self.definition(), indent=2) + "\n"

    def save(self, path: str | Path) -> Path:
        """Write the validated document (``PipelineInvalid`` lists any issue)."""
        target = Path(path).expanduser()
        target.write_text(self.to_json(), encoding="utf-8")
        return target

    @classmethod
    def from_document(cls, document: Any) -> Pipeline:
        doc = load_document(document).document
        return cls(
            doc.name,
            steps=[Step.from_document(s) for s in doc.steps],
            parameters=[
                _PARAMETER_CLASSES[p.type](p.name, p.default, p.description) for p in doc.parameters
            ],
            description=doc.description,
            max_parallel=doc.max_parallel,
            ui=doc.ui,
        )

    @classmethod
    def from_sagemaker(
        cls,
        definition: Any,
        name: str = "sagemaker",
        *,
        code_dir: str = ".",
        paths: Mapping[str, str] | None = None,
    ) -> Pipeline:
        """A SageMaker pipeline definition (``pipeline.definition()``'s JSON, the dict, or
        a .json file) as a pipeline that runs here; scripts are found in ``code_dir``,
        ``paths`` maps S3 prefixes to local files or folders (see
        :mod:`jupyter_mlstudio.pipelines.sagemaker_import`)."""
        from .sagemaker_import import import_definition

        return cls.from_document(
            import_definition(definition, name, code_dir=code_dir, paths=paths).document
        )

    @classmethod
    def load(cls, path: str | Path) -> Pipeline:
        return cls.from_document(Path(path).expanduser().read_text(encoding="utf-8"))

    def step(self, name: str) -> Step:
        for item in self.steps:
            if item.name == name:
                return item
        raise KeyError(name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pipeline) and self.to_document() == other.to_document()

    def __repr__(self) -> str:
        return f"<Pipeline {self.name!r}: {len(self.steps)} steps>"

    # -- running (through a studio: the SDK's, or the one given) ------------------------
    def upsert(self, studio: Studio | None = None) -> Any:
        """Save this definition in the studio's pipeline store (a new version when it
        changed)."""
        studio = studio or _default_studio()
        return studio.pipelines.upsert(self.definition())

    def run(
        self,
        parameters: Mapping[str, Any] | None = None,
        *,
        studio: Studio | None = None,
        base_dir: str | Path | None = None,
    ) -> ExecutionHandle:
        """Store this pipeline (as a new version when changed) and start an execution;
        returns its :class:`~jupyter_mlstudio.pipelines.handle.ExecutionHandle`."""
        from .handle import ExecutionHandle

        studio = studio or _default_studio()
        pipeline = studio.pipelines.upsert(self.definition())
        execution = studio.pipelines.start(
            pipeline.name,
            parameters=dict(parameters or {}),
            base_dir=Path(base_dir) if base_dir else Path.cwd(),
        )
        return ExecutionHandle(studio, execution)


def _default_studio() -> Studio:
    from ..studio import default_studio

    return default_studio()
