"""Exports: a Python script or a notebook of readable pandas code reproducing the flow.

Each step's code is its transform's template, rendered with the variable names chosen
here: a chain keeps one name (``df`` or the source's name), a split binds ``train`` and
``test``, and a frame another branch still needs is never overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .codegen import Names
from .document import FlowDocument
from .sources import source_code, source_imports
from .transforms import get_transform

# names the generated code uses for modules and temporaries
RESERVED = {
    "pd",
    "np",
    "duckdb",
    "sqlalchemy",
    "train_test_split",
    "low",
    "high",
    "median",
    "spread",
}


@dataclass
class CodeSection:
    node: str
    title: str
    markdown: str
    code: str


@dataclass
class ExportPlan:
    imports: list[str]
    sections: list[CodeSection]
    variables: dict[tuple[str, int], str] = field(default_factory=dict)
    results: dict[str, str] = field(default_factory=dict)  # output label → variable


def _fresh(preferred: str, live: set[str]) -> str:
    if preferred not in live and preferred not in RESERVED:
        return preferred
    n = 2
    while f"{preferred}_{n}" in live or f"{preferred}_{n}" in RESERVED:
        n += 1
    return f"{preferred}_{n}"


def plan_export(
    doc: FlowDocument, base_dir: Path | None, *, absolute_paths: bool = False
) -> ExportPlan:
    """Choose variable names and render every source and step."""
    terminals = set(doc.terminal_outputs())
    remaining: dict[tuple[str, int], int] = {}
    for step in doc.steps:
        for reference in step.inputs:
            key = doc.resolve(reference)
            remaining[key] = remaining.get(key, 0) + 1
    variables: dict[tuple[str, int], str] = {}
    owner: dict[str, tuple[str, int]] = {}
    imports = ["import pandas as pd"]
    sections: list[CodeSection] = []

    def bind(key: tuple[str, int], preferred: str) -> str:
        var = _fresh(preferred, set(owner))
        variables[key] = var
        owner[var] = key
        return var

    for source in doc.sources:
        var = bind((source.id, 0), source.name)
        imports.extend(source_imports(source))
        title = source.title or f"Load {source.id}"
        detail = getattr(source, "path", None) or source.kind
        sections.append(
            CodeSection(
                source.id,
                title,
                f"## {title}\n\nSource `{source.id}` ({source.kind}): `{detail}`.",
                source_code(source, var, base_dir, absolute_paths),
            )
        )

    for number, step in enumerate(doc.order(), start=1):
        transform = get_transform(step.transform)
        refs = [doc.resolve(r) for r in step.inputs]
        in_vars = tuple(variables[r] for r in refs)
        for ref in refs:
            remaining[ref] -= 1
            if remaining[ref] == 0 and ref not in terminals:
                owner.pop(variables[ref], None)
        out_names = step.output_names()
        outputs: dict[str, str] = {}
        for index, (port, name) in enumerate(zip(transform.outputs, out_names, strict=True)):
            chain = step.outputs is None and transform.outputs == ("df",)
            outputs[port] = bind((step.id, index), in_vars[0] if chain else name)
        params = transform.parse(step.params)
        code = transform.code(params, Names(in_vars, outputs))
        imports.extend(transform.imports)
        title = step.title or transform.title
        markdown = f"### {number}. {title}\n\n{transform.description}"
        if step.note:
            markdown += f"\n\n{step.note}"
        sections.append(CodeSection(step.id, title, markdown, code))

    if any("np." in s.code for s in sections):
        imports.append("import numpy as np")
    unique = list(dict.fromkeys(imports))
    plan = ExportPlan(imports=unique, sections=sections, variables=variables)
    for node, index in doc.terminal_outputs():
        plan.results[doc.outputs_of(node)[index]] = variables[(node, index)]
    return plan


def to_code(
    doc: FlowDocument, base_dir: Path | None, *, name: str = "flow", absolute_paths: bool = False
) -> str:
    """A runnable script: imports, then one commented block per source and step."""
    plan = plan_export(doc, base_dir, absolute_paths=absolute_paths)
    results = ", ".join(f"`{v}`" for v in plan.results.values())
    header = (
        f'"""Data preparation exported from {name} by jupyter-mlstudio.\n\n'
        f'Reads the full data and leaves the result in {results}.\n"""\n'
    )
    blocks = [header + "\n".join(_sorted_imports(plan.imports))]
    for section in plan.sections:
        blocks.append(f"# {section.title} ({section.node})\n{section.code}")
    return "\n\n".join(blocks) + "\n"


def _sorted_imports(imports: list[str]) -> list[str]:
    third_party = sorted(i for i in imports if i.startswith("import "))
    from_imports = sorted(i for i in imports if i.startswith("from "))
    return third_party + from_imports


def to_notebook(
    doc: FlowDocument, base_dir: Path | None, *, name: str = "flow", absolute_paths: bool = False
) -> Any:
    """An nbformat v4 notebook: a markdown cell and a code cell per source and step."""
    import importlib

    nbf: Any = importlib.import_module("nbformat.v4")  # untyped; keep mypy strict elsewhere
    plan = plan_export(doc, base_dir, absolute_paths=absolute_paths)
    cells = [
        nbf.new_markdown_cell(f"# {name}\n\nData preparation exported by jupyter-mlstudio."),
        nbf.new_code_cell("\n".join(_sorted_imports(plan.imports))),
    ]
    for section in plan.sections:
        cells.append(nbf.new_markdown_cell(section.markdown))
        cells.append(nbf.new_code_cell(section.code))
    if plan.results:
        cells.append(nbf.new_markdown_cell("## Result"))
        shapes = "\n".join(
            f"print({output!r}, {variable}.shape)" for output, variable in plan.results.items()
        )
        cells.append(nbf.new_code_cell(shapes))
        cells.append(nbf.new_code_cell(f"{next(iter(plan.results.values()))}.head()"))
    return nbf.new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
    )
