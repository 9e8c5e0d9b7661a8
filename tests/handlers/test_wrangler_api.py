"""The Data Wrangler's REST API on a real server: previews with node states, reports
saved as artifacts, exports next to the flow, flow jobs, and bad input."""

from __future__ import annotations

import asyncio
import json
import runpy
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema
import numpy as np
import pandas as pd
import pytest

from jupyter_mlstudio.api.openapi import build_openapi
from jupyter_mlstudio.api.operations import API_PREFIX

if TYPE_CHECKING:
    from conftest import Call

API = ("mlstudio", "api", "v1")


@pytest.fixture
def customers(jp_root_dir: Path) -> Path:
    rng = np.random.default_rng(0)
    n = 400
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n).astype(float),
            "income": rng.normal(50_000, 12_000, n).round(2),
            "plan": rng.choice(["basic", "plus", "pro"], n),
            "churned": rng.integers(0, 2, n),
        }
    )
    frame.loc[::7, "age"] = np.nan
    folder = jp_root_dir / "data"
    folder.mkdir()
    frame.to_csv(folder / "customers.csv", index=False)
    return folder / "customers.csv"


def flow_document(steps: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "sources": [{"id": "customers", "kind": "csv", "path": "data/customers.csv"}],
        "steps": steps,
    }


STEPS = [
    {
        "id": "impute",
        "transform": "impute_median",
        "params": {"columns": ["age"]},
        "inputs": ["customers"],
    },
    {
        "id": "onehot",
        "transform": "one_hot_encode",
        "params": {"columns": ["plan"]},
        "inputs": ["impute"],
    },
    {
        "id": "adults",
        "transform": "filter_rows",
        "params": {"expression": "age >= 30"},
        "inputs": ["onehot"],
    },
]


async def test_transforms_preview_report_and_exports(
    call: Call, jp_root_dir: Path, customers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, transforms = await call("GET", "wrangler", "transforms")
    assert status == 200 and len(transforms["items"]) >= 40
    impute = next(t for t in transforms["items"] if t["name"] == "impute_median")
    assert impute["params_schema"]["properties"]["columns"]

    flow = flow_document(STEPS)
    status, result = await call(
        "POST", "wrangler", "preview", body={"path": "prep.flow", "flow": flow}
    )
    assert status == 200, result
    assert [s["state"] for s in result["statuses"]] == ["ok"] * 4
    preview = result["preview"]
    names = [c["name"] for c in preview["columns"]]
    assert "plan_pro" in names and "plan" not in names
    full = pd.read_csv(customers)
    full["age"] = full["age"].fillna(full["age"].median())
    assert preview["total_rows"] == int((full["age"] >= 30).sum())

    status, source = await call(
        "POST",
        "wrangler",
        "preview",
        body={"path": "prep.flow", "flow": flow, "node": "customers", "rows": 5},
    )
    assert len(source["preview"]["rows"]) == 5
    assert "plan" in [c["name"] for c in source["preview"]["columns"]]

    status, report = await call(
        "POST",
        "wrangler",
        "report",
        body={"path": "prep.flow", "flow": flow, "node": "impute", "target": "churned"},
    )
    assert status == 200, report
    assert report["report"]["summary"]["rows"] == 400 and report["figures"]
    saved = Path(report["artifact_uri"].removeprefix("file://"))
    assert (saved / "insights.json").exists() and (saved / "insights.html").exists()
    # the wire report is the saved one, field for field, and the OpenAPI document types it
    # (the frontend reads the generated types); a figure of no one column has no "column"
    assert report["report"] == json.loads((saved / "insights.json").read_text())
    assert any("column" not in f for f in report["figures"])
    assert all(f.get("column", "") is not None for f in report["figures"])
    spec = build_openapi()
    ok = spec["paths"][f"{API_PREFIX}/wrangler/report"]["post"]["responses"]["200"]
    schema = ok["content"]["application/json"]["schema"]
    jsonschema.validate(report, {**schema, "components": spec["components"]})
    shape = spec["components"]["schemas"]["FlowReportResponse"]["properties"]
    assert shape["report"] == {"$ref": "#/components/schemas/InsightsReport"}
    assert shape["figures"]["items"] == {"$ref": "#/components/schemas/ReportFigure"}

    (jp_root_dir / "prep.flow").write_text(json.dumps(flow))
    written = {}
    for what in ("script", "notebook", "sklearn", "report-html"):
        body = {"path": "prep.flow", "flow": flow, "format": what, "target": "churned"}
        if what == "sklearn":  # only fittable steps: impute and one-hot
            body["flow"] = flow_document(STEPS[:2])
        status, answer = await call("POST", "wrangler", "export", body=body)
        assert status == 201, (what, answer)
        written[what] = jp_root_dir / answer["path"]
        assert written[what].exists()
    assert written["script"].name == "prep.py" and written["notebook"].name == "prep.ipynb"
    monkeypatch.chdir(jp_root_dir)  # the script reads its data relative to its folder
    namespace = runpy.run_path(str(written["script"]), run_name="exported")
    result_frames = [v for v in namespace.values() if isinstance(v, pd.DataFrame)]
    assert any(f.shape == (preview["total_rows"], len(preview["columns"])) for f in result_frames)
    assert "<script" in written["report-html"].read_text()
    # a second export does not overwrite the first
    status, again = await call(
        "POST",
        "wrangler",
        "export",
        body={"path": "prep.flow", "flow": flow, "format": "script"},
    )
    assert again["path"] == "prep-1.py"


async def test_a_flow_runs_as_a_processing_job(
    call: Call, jp_root_dir: Path, customers: Path
) -> None:
    flow = flow_document(
        [
            *STEPS,
            {
                "id": "split",
                "transform": "split_random",
                "params": {"test_size": 0.25, "seed": 1},
                "inputs": ["adults"],
            },
        ]
    )
    (jp_root_dir / "prep.flow").write_text(json.dumps(flow))
    status, job = await call(
        "POST", "wrangler", "job", body={"path": "prep.flow", "output_format": "csv"}
    )
    assert status == 201, job
    for _ in range(600):
        status, job = await call("GET", "jobs", job["id"])
        if job["status"] in ("Completed", "Failed", "Stopped"):
            break
        await asyncio.sleep(0.2)
    assert job["status"] == "Completed", job.get("failure_reason")
    assert set(job["outputs"]) >= {"train", "test"}
    train = pd.read_csv(job["outputs"]["train"].removeprefix("file://"))
    test = pd.read_csv(job["outputs"]["test"].removeprefix("file://"))
    full = pd.read_csv(customers)
    full["age"] = full["age"].fillna(full["age"].median())
    assert len(train) + len(test) == int((full["age"] >= 30).sum())
    assert "plan_basic" in train.columns


async def test_bad_input_is_reported_clearly(
    call: Call, jp_root_dir: Path, customers: Path
) -> None:
    # a step naming a missing column: its state says so, downstream is blocked
    broken = [dict(STEPS[0], params={"columns": ["agee"]}), *STEPS[1:]]
    status, result = await call(
        "POST",
        "wrangler",
        "preview",
        body={"path": "prep.flow", "flow": flow_document(broken)},
    )
    assert status == 200
    states = {s["id"]: s for s in result["statuses"]}
    assert states["impute"]["state"] == "error" and "agee" in states["impute"]["message"]
    assert states["onehot"]["state"] == "blocked" and states["adults"]["state"] == "blocked"
    assert result["preview"] is None and result["error"]

    # custom code that raises
    raising = [
        {
            "id": "boom",
            "transform": "custom_pandas",
            "params": {"code": "raise ValueError('no good')"},
            "inputs": ["customers"],
        }
    ]
    status, result = await call(
        "POST",
        "wrangler",
        "preview",
        body={"path": "prep.flow", "flow": flow_document(raising)},
    )
    assert status == 200 and "no good" in result["error"]

    # a file that is not what its extension says
    (jp_root_dir / "data" / "fake.parquet").write_text("a,b\n1,2\n")
    fake = {
        "schema_version": 1,
        "sources": [{"id": "fake", "kind": "parquet", "path": "data/fake.parquet"}],
    }
    status, result = await call(
        "POST", "wrangler", "preview", body={"path": "prep.flow", "flow": fake}
    )
    assert status == 200 and "fake.parquet" in result["error"]

    # no source yet
    status, result = await call(
        "POST",
        "wrangler",
        "preview",
        body={"path": "new.flow", "flow": {"schema_version": 1, "sources": []}},
    )
    assert status == 200 and "Add a data source" in result["error"]

    cases: list[tuple[str, dict[str, Any], str]] = [
        ("preview", {"path": "../outside.flow", "flow": flow_document([])}, "outside"),
        ("preview", {"path": "prep.txt", "flow": flow_document([])}, ".flow"),
        ("preview", {"path": "prep.flow", "flow": {"schema_version": 99, "sources": []}}, "99"),
        (
            "preview",
            {
                "path": "prep.flow",
                "flow": flow_document(
                    [{"id": "x", "transform": "no_such", "inputs": ["customers"]}]
                ),
            },
            "no_such",
        ),
        ("preview", {"path": "prep.flow", "flow": flow_document(STEPS), "node": "ghost"}, "ghost"),
        (
            "export",
            {"path": "prep.flow", "flow": flow_document(STEPS), "format": "sklearn"},
            "filter_rows",
        ),
        ("job", {"path": "unsaved.flow"}, "Save the flow first"),
    ]
    for action, body, word in cases:
        status, error = await call("POST", "wrangler", action, body=body)
        assert 400 <= status < 500, (action, body, error)
        assert word.lower() in error["error"]["message"].lower(), (action, error)


async def test_the_flow_document_is_typed_and_checked_as_typed(call: Call, customers: Path) -> None:
    """The OpenAPI document states the flow as the core's document models (a source per
    ``kind``); the server refuses what that schema refuses, with the core's messages,
    rather than coercing it (``"5"`` was taken as a sample size of 5)."""
    spec = build_openapi()
    schemas = spec["components"]["schemas"]
    flow_schema = schemas["FlowPreviewRequest"]["properties"]["flow"]
    assert flow_schema["$ref"] == "#/components/schemas/FlowDocument"
    sources = schemas["FlowDocument"]["properties"]["sources"]["items"]
    assert sources["discriminator"]["propertyName"] == "kind"
    kinds = {"csv", "parquet", "jsonl", "sql", "duckdb"}
    assert set(sources["discriminator"]["mapping"]) == kinds
    for ref in sources["discriminator"]["mapping"].values():
        assert "kind" in schemas[ref.rsplit("/", 1)[1]]["required"]

    def request_schema(action: str) -> dict[str, Any]:
        body = spec["paths"][f"{API_PREFIX}/wrangler/{action}"]["post"]["requestBody"]
        return {**body["content"]["application/json"]["schema"], "components": spec["components"]}

    good = {"path": "prep.flow", "flow": flow_document(STEPS)}
    jsonschema.validate(good, request_schema("preview"))
    status, _ = await call("POST", "wrangler", "preview", body=good)
    assert status == 200

    coerced: list[tuple[dict[str, Any], str]] = [
        ({**flow_document([]), "sample": {"size": "50"}}, "sample.size"),
        ({**flow_document([]), "sample": {"seed": True}}, "sample.seed"),
        (
            {
                **flow_document([]),
                "sources": [
                    {
                        "id": "customers",
                        "kind": "csv",
                        "path": "data/customers.csv",
                        "position": {"x": "1", "y": 2},
                    }
                ],
            },
            "sources[0].csv.position.x",
        ),
    ]
    for flow, where in coerced:
        body = {"path": "prep.flow", "flow": flow}
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(body, request_schema("preview"))
        status, error = await call("POST", "wrangler", "preview", body=body)
        assert status == 400, (where, error)
        assert error["error"]["message"].startswith(f"the flow is not a valid flow: {where}:")

    # a flow that is not an object at all keeps the request model's message
    status, error = await call("POST", "wrangler", "preview", body={"path": "p.flow", "flow": 3})
    assert status == 400 and "flow" in error["error"]["message"], error


@pytest.mark.parametrize(
    ("action", "extra", "code"),
    [
        ("report", {}, 400),
        ("export", {"format": "report-html"}, 400),
        ("export", {"format": "sklearn"}, 409),  # as every flow that is no pipeline
    ],
)
async def test_a_flow_without_a_source_is_refused_clearly(
    call: Call, jp_root_dir: Path, action: str, extra: dict[str, Any], code: int
) -> None:
    """Found by schemathesis once the flow was typed: an empty flow's report and exports
    were 500s (IndexError on the missing source)."""
    body = {"path": "new.flow", "flow": {"schema_version": 1, "sources": []}, **extra}
    status, error = await call("POST", "wrangler", action, body=body)
    assert status == code, error
    assert error["error"]["message"] == "This flow has no source yet: add a data source first."
