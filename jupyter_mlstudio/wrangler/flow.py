"""The SDK object users hold: ``mls.Flow.load("prep.flow")``.

A ``Flow`` is a document plus the folder its relative paths resolve against plus one
``Engine`` (and so one sample cache) for as long as the object lives. Editing the
document through this object or replacing it entirely both work: the cache is keyed by
content, not by object identity.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel

from ..errors import InvalidArgumentError
from .document import (
    FlowDocument,
    SampleSpec,
    Source,
    Step,
    dump_document,
    load_document,
    parse_document,
    save_document,
    source_for,
)
from .engine import Engine, NodeOutput, RunResult, StepStatus
from .export import plan_export, to_code, to_notebook
from .preview import Preview, build_preview
from .transforms import get_transform


class Flow:
    """A data-prep flow: sources, steps, a live sample and exports."""

    def __init__(
        self,
        document: FlowDocument,
        *,
        path: str | os.PathLike[str] | None = None,
        base_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.document = document
        self.path = Path(path).resolve() if path is not None else None
        if base_dir is not None:
            self.base_dir: Path | None = Path(base_dir).resolve()
        else:
            self.base_dir = self.path.parent if self.path is not None else Path.cwd()
        self.engine = Engine()

    # -- documents -----------------------------------------------------------------

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, strict: bool = True) -> Flow:
        """Open a ``.flow`` file; relative source paths resolve against its folder."""
        return cls(load_document(path, strict=strict), path=path)

    @classmethod
    def from_json(
        cls,
        raw: str | bytes | Mapping[str, Any],
        *,
        base_dir: str | os.PathLike[str] | None = None,
        strict: bool = True,
    ) -> Flow:
        """A flow from a document's JSON (what the REST layer receives)."""
        data = dict(raw) if isinstance(raw, Mapping) else raw
        return cls(parse_document(data, strict=strict), base_dir=base_dir)

    @classmethod
    def new(
        cls,
        source: str | os.PathLike[str] | Source,
        *,
        name: str = "df",
        sample: SampleSpec | None = None,
        base_dir: str | os.PathLike[str] | None = None,
    ) -> Flow:
        """A flow with one source: a file path (format from its extension) or a Source."""
        if not isinstance(source, BaseModel):
            source = source_for(os.fspath(source), name=name)
        document = FlowDocument(sources=[source], sample=sample or SampleSpec())
        document.validate_graph()
        return cls(document, base_dir=base_dir)

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Write the document (atomically); the first save of a new flow needs a path."""
        target = Path(path).resolve() if path is not None else self.path
        if target is None:
            raise InvalidArgumentError("this flow has no file yet: save(path)")
        self.document.validate_graph(strict=False)
        save_document(self.document, target)
        self.path = target
        return target

    def to_json(self) -> str:
        return dump_document(self.document)

    # -- editing -------------------------------------------------------------------

    def add_step(
        self,
        transform: str,
        params: Mapping[str, Any] | None = None,
        *,
        inputs: list[str] | None = None,
        step_id: str | None = None,
        outputs: list[str] | None = None,
        title: str | None = None,
    ) -> str:
        """Append a step (after the last node by default); returns its id."""
        spec = get_transform(transform)
        parsed = spec.parse(params or {})
        if inputs is None:
            inputs = [self.document.last_node()]
        step_id = step_id or self._new_id(transform)
        step = Step(
            id=step_id,
            transform=transform,
            params=parsed.model_dump(mode="json", exclude_defaults=True),
            inputs=inputs,
            outputs=outputs,
            title=title,
        )
        self.document.steps.append(step)
        try:
            self.document.validate_graph()
        except InvalidArgumentError:
            self.document.steps.pop()
            raise
        return step_id

    def set_params(self, step_id: str, params: Mapping[str, Any]) -> None:
        """Replace a step's parameters (validated); later previews recompute from it."""
        step = self.document.step(step_id)
        parsed = get_transform(step.transform).parse(params)
        step.params = parsed.model_dump(mode="json", exclude_defaults=True)

    def remove_step(self, step_id: str) -> None:
        step = self.document.step(step_id)
        users = [
            s.id
            for s in self.document.steps
            if any(r.partition(":")[0] == step_id for r in s.inputs)
        ]
        if users:
            raise InvalidArgumentError(
                f"step {step_id!r} feeds {', '.join(users)}: remove those first"
            )
        self.document.steps.remove(step)

    def _new_id(self, transform: str) -> str:
        taken = set(self.document.node_ids())
        n = 1
        while f"{transform}_{n}" in taken:
            n += 1
        return f"{transform}_{n}"

    # -- running -------------------------------------------------------------------

    def _target(self, output: str | None) -> NodeOutput:
        doc = self.document
        if output is None:
            terminals = doc.terminal_outputs()
            if len(terminals) != 1:
                names = ", ".join(doc.outputs_of(n)[i] for n, i in terminals)
                raise InvalidArgumentError(f"this flow has several outputs ({names}): pass output=")
            return terminals[0]
        if output in doc.node_ids() or ":" in output:
            return doc.resolve(output)
        matches = [(n, i) for n, i in doc.terminal_outputs() if doc.outputs_of(n)[i] == output]
        if len(matches) != 1:
            names = ", ".join(doc.outputs_of(n)[i] for n, i in doc.terminal_outputs())
            raise InvalidArgumentError(f"no single output named {output!r} (outputs: {names})")
        return matches[0]

    def _data(
        self, data: pd.DataFrame | Mapping[str, pd.DataFrame] | None
    ) -> dict[str, pd.DataFrame] | None:
        if data is None:
            return None
        if isinstance(data, pd.DataFrame):
            if len(self.document.sources) != 1:
                raise InvalidArgumentError(
                    "this flow has several sources: pass data={source_id: frame}"
                )
            return {self.document.sources[0].id: data}
        unknown = set(data) - {s.id for s in self.document.sources}
        if unknown:
            raise InvalidArgumentError(f"data names unknown sources: {', '.join(sorted(unknown))}")
        return dict(data)

    @staticmethod
    def _raise_failure(result: RunResult) -> None:
        failed = result.failed()
        if failed is not None:
            raise InvalidArgumentError(failed.message or f"{failed.id} failed")

    def run(
        self,
        data: pd.DataFrame | Mapping[str, pd.DataFrame] | None = None,
        output: str | None = None,
    ) -> pd.DataFrame:
        """Run on the full data (or ``data`` in place of the source) and return the only
        output, or the one named (``"train"``, ``"split:test"``, a step id)."""
        target = self._target(output)
        result = self.engine.run(
            self.document,
            self.base_dir,
            sample=None,
            targets=[target],
            data=self._data(data),
            stop_on_error=True,
        )
        self._raise_failure(result)
        return result.frames[target]

    def run_all(
        self, data: pd.DataFrame | Mapping[str, pd.DataFrame] | None = None
    ) -> dict[str, pd.DataFrame]:
        """Every output of the flow on the full data, by output name (e.g. train, test)."""
        result = self.engine.run(
            self.document, self.base_dir, sample=None, data=self._data(data), stop_on_error=True
        )
        self._raise_failure(result)
        return {self.document.outputs_of(n)[i]: frame for (n, i), frame in result.frames.items()}

    def status(self, until: str | None = None) -> list[StepStatus]:
        """Run on the sample (cached) and return every node's status, in flow order."""
        doc = self.document
        targets = None if until is None else [(until, i) for i in range(len(doc.outputs_of(until)))]
        result = self.engine.run(doc, self.base_dir, sample=doc.sample, targets=targets)
        return list(result.statuses.values())

    def preview(
        self, step_id: str | None = None, rows: int = 50, output: str | None = None
    ) -> Preview:
        """The first ``rows`` of a node's output on the sample, with column summaries.

        ``step_id`` defaults to the last step (or the source); ``output`` picks one
        output of a multi-output step (``"test"``). A failing step raises with its message.
        """
        doc = self.document
        node = step_id or doc.last_node()
        names = doc.outputs_of(node)
        index = names.index(output) if output in names else 0
        if output is not None and output not in names:
            raise InvalidArgumentError(
                f"{node!r} has no output {output!r} (it has {', '.join(names)})"
            )
        result = self.engine.run(doc, self.base_dir, sample=doc.sample, targets=[(node, index)])
        self._raise_failure(result)
        notes = [info.note for info in result.samples.values()]
        return build_preview(
            result.frames[(node, index)],
            node=node,
            output=names[index],
            rows=rows,
            sample_note="; ".join(notes) or None,
        )

    def sample(self, step_id: str | None = None, output: str | None = None) -> pd.DataFrame:
        """The sample output of a node as a DataFrame (what previews summarize)."""
        doc = self.document
        node = step_id or doc.last_node()
        names = doc.outputs_of(node)
        index = names.index(output) if output in names else 0
        result = self.engine.run(doc, self.base_dir, sample=doc.sample, targets=[(node, index)])
        self._raise_failure(result)
        return result.frames[(node, index)]

    # -- exports -------------------------------------------------------------------

    @property
    def _name(self) -> str:
        return self.path.name if self.path is not None else "flow"

    def to_code(self, *, absolute_paths: bool = False) -> str:
        """A Python script of readable pandas code reproducing the flow on the full data.

        Source paths are written as in the document (relative to the .flow file) unless
        ``absolute_paths``."""
        return to_code(self.document, self.base_dir, name=self._name, absolute_paths=absolute_paths)

    def result_variables(self) -> dict[str, str]:
        """Output name → the variable ``to_code()`` leaves it in."""
        return plan_export(self.document, self.base_dir).results

    def to_notebook(
        self, path: str | os.PathLike[str] | None = None, *, absolute_paths: bool = False
    ) -> Any:
        """An nbformat notebook (markdown + code cell per step); written if ``path``."""
        notebook = to_notebook(
            self.document, self.base_dir, name=self._name, absolute_paths=absolute_paths
        )
        if path is not None:
            import importlib

            nbformat: Any = importlib.import_module("nbformat")
            nbformat.write(notebook, os.fspath(path))
        return notebook

    def to_sklearn(
        self, path: str | os.PathLike[str] | None = None, *, data: pd.DataFrame | None = None
    ) -> Any:
        """A fitted scikit-learn Pipeline whose ``transform`` equals this flow's output.

        Only for chains of fittable steps (impute, encode, scale, drop). It is fitted on
        the full data (or ``data``) and saved with skops if ``path`` is given."""
        from .sklearn_export import build_pipeline, save_pipeline

        fit_data = data if data is not None else self.run(output=self.document.first_source().id)
        expected = self.run(data=fit_data)
        pipeline = build_pipeline(self.document, fit_data, [str(c) for c in expected.columns])
        if path is not None:
            save_pipeline(pipeline, path)
        return pipeline

    # -- hooks for other components ------------------------------------------------

    def report(
        self,
        step_id: str | None = None,
        *,
        target: str | None = None,
        full: bool = False,
        **options: Any,
    ) -> Any:
        """The Data Quality and Insights report of a node's output: its sample, or the
        full data with ``full=True``.

        Delegates to ``jupyter_mlstudio.wrangler.insights.build_report``."""
        from .insights import build_report

        frame = self.run(output=step_id) if full else self.sample(step_id)
        return build_report(frame, target=target, **options)

    def run_job(
        self,
        *,
        output_format: Literal["parquet", "csv"] = "parquet",
        engine: Literal["auto", "pandas", "dask"] = "auto",
        name: str | None = None,
        experiment: str | None = None,
        wait: bool = False,
    ) -> Any:
        """Run the saved flow on the full data as a processing job; every output is
        written to the job's outputs (``output_format``). On the Dask executor,
        ``engine="dask"`` (or ``"auto"`` when every step allows it) runs it on
        dask.dataframe across the cluster. Returns the job handle."""
        if self.path is None:
            raise InvalidArgumentError("save the flow first: run_job() runs the saved file")
        self.save()
        from ..jobs.handle import JobHandle
        from ..studio import default_studio

        # the spec mls.process() submits for a script with parameters
        spec: dict[str, Any] = {
            "kind": "processing",
            "name": name,
            "experiment": experiment,
            "code": str(self.path),
            "arguments": [],
            "parameters": {"output_format": output_format, "engine": engine},
            "inputs": [],
            "outputs": [],
            "metric_definitions": [],
            "environment": {},
            "working_dir": None,
            "timeout_seconds": None,
        }
        studio = default_studio()
        handle = JobHandle(studio, studio.jobs.submit_data(spec))
        if wait:
            handle.wait(progress=True)
        return handle

    def __repr__(self) -> str:
        steps = ", ".join(s.id for s in self.document.steps) or "no steps"
        return f"<Flow {self._name}: {len(self.document.sources)} source(s); {steps}>"


def list_transforms() -> list[dict[str, Any]]:
    """Every transform: name, group, title, description, inputs, outputs, fittable and the
    JSON schema of its parameters (what a form renders)."""
    from .transforms import list_transforms as infos

    return [info.model_dump() for info in infos()]
