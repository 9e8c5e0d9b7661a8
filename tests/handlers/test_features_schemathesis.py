"""schemathesis over the Feature Store routes with a group that exists and holds records.

The whole-API run (``test_schemathesis.py``) mostly meets 404s on ``/feature-groups/{ref}``:
no generated name matches a group. Here ``ref`` is a real group (its name and its
``name@1``), so records, rows, summaries, ingestion and edits run with fuzzed input on
real data, and must never answer 500 or off-schema.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

from test_schemathesis import config

GROUP = {
    "name": "fuzzed",
    "record_identifier": "customer_id",
    "event_time_feature": "ts",
    "features": [
        {"name": "customer_id", "type": "integral"},
        {"name": "ts", "type": "timestamp"},
        {"name": "age", "type": "integral"},
        {"name": "score", "type": "fractional"},
        {"name": "city", "type": "string"},
        {"name": "vip", "type": "boolean"},
    ],
}


def send(server: Any, method: str, route: str, body: Any) -> Any:
    request = urllib.request.Request(
        f"{server.api}/{route}",
        data=json.dumps(body).encode(),
        method=method,
        headers={**server.headers, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_schemathesis_on_a_real_feature_group(start_live_server: Any, tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "data").mkdir(parents=True)
    (root / "data" / "customers.csv").write_text(
        "customer_id,ts,age,score,city,vip\n"
        "1,2024-01-01T00:00:00Z,30,0.5,Oslo,true\n"
        "2,2024-01-02T00:00:00Z,40,,Lima,false\n"
    )
    (root / "data" / "entities.csv").write_text("customer_id,ts\n1,2024-02-01T00:00:00Z\n")
    blocks = [
        config(),
        # a schema-valid record, ingest or edit may still name a missing feature or a
        # wrong type; a deleted group is then a 404
        "[[operations]]\n"
        'include-path-regex = "/feature-(groups|datasets)"\n'
        "[operations.checks.positive_data_acceptance]\n"
        'expected-statuses = ["2xx", 400, 401, 403, 404, 409, 414]\n'
        "[operations.parameters]\n"
        'ref = "fuzzed"\n'
        'record_id = "1"\n',
    ]
    config_file = tmp_path / "schemathesis.toml"
    config_file.write_text("\n".join(blocks))
    st = Path(sys.executable).with_name("schemathesis")
    with start_live_server(root, tmp_path / "home") as server:
        send(server, "POST", "feature-groups", GROUP)
        send(server, "POST", "feature-groups/fuzzed/ingest", {"path": "data/customers.csv"})
        result = subprocess.run(
            [
                str(st),
                "--config-file",
                str(config_file),
                "run",
                f"{server.api}/openapi.json",
                "--header",
                f"Authorization: token {server.token}",
                "--include-path-regex",
                "/feature-",
                # deleting the group would leave every other operation a 404
                "--exclude-operation-id",
                "deleteFeatureGroup",
                "--checks",
                "all",
                "--mode",
                "all",
                "--seed",
                "20261204",
                "--workers",
                "1",
                "--no-color",
                "--request-timeout",
                "60",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,
        )
        report = result.stdout[-20_000:] + result.stderr[-4_000:]
        assert result.returncode == 0, report
        # every feature route but the group's deletion was fuzzed
        assert "Selected: 18/" in report and "Tested: 18" in report, report
