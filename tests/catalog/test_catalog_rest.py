"""``/catalog`` through a real Jupyter server: listing with filters and the malformed
private entry's error, an entry with its resource check, a launch to Completed in a new
folder of the server's root, deploy of the pre-built model answering its example request,
fine-tune on a file of the root, and the 4xx answers."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sklearn.datasets import load_breast_cancer

if TYPE_CHECKING:
    from conftest import Call, JobWait


async def _launch_ended(call: Call, launch_id: str, timeout: float = 120) -> dict[str, Any]:
    for _ in range(int(timeout / 0.25)):
        status, launch = await call("GET", "catalog", "launches", launch_id)
        assert status == 200
        if launch["status"] in ("Completed", "Failed"):
            return launch  # type: ignore[no-any-return]
        await asyncio.sleep(0.25)
    raise AssertionError(f"launch {launch_id} did not end")


async def _in_service(call: Call, name: str, timeout: float = 120) -> None:
    for _ in range(int(timeout / 0.25)):
        status, endpoint = await call("GET", "endpoints", name)
        assert status == 200 and endpoint["status"] != "Failed", endpoint
        if endpoint["status"] == "InService":
            return
        await asyncio.sleep(0.25)
    raise AssertionError(f"endpoint {name} is not InService")


async def test_listing_entry_and_launch(team_catalog: Path, call: Call, jp_root_dir: Path) -> None:
    status, listing = await call("GET", "catalog")
    assert status == 200
    names = {e["name"]: e for e in listing["entries"]}
    assert names["tiny-team"]["source"] == "team-hub"
    assert names["customer-churn"]["resources"]["ram_mb"] > 0
    error = next(e for e in listing["errors"] if e["path"] == "broken-entry/manifest.yaml")
    assert error["source"] == "team-hub" and "task" in error["message"]
    assert {"name": "team-hub", "location": str(team_catalog), "builtin": False} in listing[
        "sources"
    ]
    assert "image-classification" in listing["tasks"]

    status, filtered = await call("GET", "catalog", params={"task": "regression", "q": "team"})
    assert status == 200 and [e["name"] for e in filtered["entries"]] == ["tiny-team"]
    status, body = await call("GET", "catalog", params={"task": "telepathy"})
    assert status == 400 and "task" in body["error"]["message"]

    status, entry = await call("GET", "catalog", "tiny-team")
    assert status == 200
    assert entry["readme"].startswith("# Tiny") and entry["parameters"][0]["name"] == "rows"
    check = entry["resource_check"]
    assert check["ok"] and check["free_ram_mb"] > 0 and check["free_disk_mb"] > 0

    (jp_root_dir / "tiny-team").mkdir()  # taken: the launch goes next to it
    status, launch = await call(
        "POST", "catalog", "tiny-team", "launch", body={"parameters": {"rows": 12}}
    )
    assert status == 202, launch
    assert launch["folder"] == "tiny-team-2" and launch["status"] == "Preparing"
    ended = await _launch_ended(call, launch["id"])
    assert ended["status"] == "Completed", ended
    assert ended["execution_id"] and ended["notebook"] == "tiny-team-2/tiny.ipynb"
    assert (jp_root_dir / "tiny-team-2" / "data" / "rows.csv").is_file()
    status, execution = await call("GET", "pipeline-executions", ended["execution_id"])
    assert status == 200 and execution["status"] == "Succeeded"
    status, launches = await call("GET", "catalog", "launches")
    assert status == 200 and [item["id"] for item in launches["launches"]] == [launch["id"]]


async def test_failing_launch_over_rest(team_catalog: Path, call: Call) -> None:
    status, launch = await call(
        "POST", "catalog", "tiny-team", "launch", body={"parameters": {"fail": True}}
    )
    assert status == 202
    ended = await _launch_ended(call, launch["id"])
    assert ended["status"] == "Failed" and ended["failed_step"] == "check"
    assert "the rows did not pass the check" in ended["error"]


async def test_bad_requests_are_4xx(team_catalog: Path, call: Call) -> None:
    cases: list[tuple[tuple[str, ...], Any, int, str]] = [
        (("nope", "launch"), {}, 404, "no entry 'nope'"),
        (("tiny-team", "launch"), {"parameters": {"rows": "many"}}, 400, "'rows'"),
        (("tiny-team", "launch"), {"parameters": {"colour": 1}}, 400, "'colour'"),
        (("tiny-team", "launch"), {"folder": "../up"}, 400, "folder"),
        (("tiny-team", "launch"), {"unknown": 1}, 400, "unknown"),
        (("breast-cancer-classifier", "launch"), {}, 409, "pre-built model"),
        (("tiny-team", "deploy"), {}, 409, "is a solution"),
        (("tiny-team", "fine-tune"), {"data": "x.csv"}, 409, "is a solution"),
        (("breast-cancer-classifier", "fine-tune"), {}, 400, "data"),
        (("breast-cancer-classifier", "fine-tune"), {"data": "/etc/passwd"}, 400, ""),
        (("breast-cancer-classifier", "deploy"), {"endpoint_name": "Bad Name"}, 400, "endpoint"),
    ]
    for path, body, expected, words in cases:
        status, answer = await call("POST", "catalog", *path, body=body)
        assert status == expected, (path, body, answer)
        assert words in answer["error"]["message"], (path, answer)
    status, answer = await call("GET", "catalog", "nope")
    assert status == 404
    status, answer = await call("GET", "catalog", "launches", "0123abc")
    assert status == 404


async def test_deploy_prebuilt_and_fine_tune(
    call: Call, jp_root_dir: Path, wait_job_ended: JobWait, no_endpoint_left_behind: None
) -> None:
    status, entry = await call("GET", "catalog", "breast-cancer-classifier")
    assert status == 200 and entry["kind"] == "model"
    assert entry["metrics"]["validation:accuracy"] > 0.9
    example = entry["input_example"]
    status, deployed = await call("POST", "catalog", "breast-cancer-classifier", "deploy")
    assert status == 202, deployed
    assert deployed == {
        "model_name": "breast-cancer",
        "model_version": 1,
        "endpoint_name": "breast-cancer",
    }
    await _in_service(call, "breast-cancer")
    status, version = await call("GET", "models", "breast-cancer", "versions", "1")
    assert status == 200 and "validation:accuracy 0.986" in version["card"]["evaluation"]
    status, answer = await call(
        "POST",
        "breast-cancer",
        "invocations",
        body=example,
        headers={"Content-Type": "application/json"},
        api=False,
    )
    assert status == 200, answer
    assert answer["predictions"] == ["malignant", "benign"]
    # a second deploy reuses the registered version (same files)
    status, again = await call(
        "POST", "catalog", "breast-cancer-classifier", "deploy", body={"endpoint_name": "bc-2"}
    )
    assert status == 202 and again["model_version"] == 1 and again["endpoint_name"] == "bc-2"
    await _in_service(call, "bc-2")

    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.frame.rename(columns=lambda c: c.replace(" ", "_")).head(300)
    frame["diagnosis"] = frame.pop("target").map(dict(enumerate(bunch.target_names)))
    frame.to_csv(jp_root_dir / "my-patients.csv", index=False)
    status, tuned = await call(
        "POST", "catalog", "breast-cancer-classifier", "fine-tune", body={"data": "my-patients.csv"}
    )
    assert status == 202, tuned
    job = await wait_job_ended(tuned["job_id"], timeout=180)
    assert job["status"] == "Completed", job
    status, versions = await call("GET", "models", "breast-cancer", "versions")
    assert status == 200
    assert sorted(v["version"] for v in versions["items"]) == [1, 2]
    for name in ("breast-cancer", "bc-2"):
        status, _ = await call("DELETE", "endpoints", name)
        assert status in (200, 202, 204)
