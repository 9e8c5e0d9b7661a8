"""Feature Store lineage on a real studio (SQLite, files, the real registry): a written
training set is recorded with the registry's hash of its file, and a group's lineage
reaches the flows that feed it and the runs and model versions trained on its datasets."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import jupyter_mlstudio as mls
from jupyter_mlstudio.errors import InvalidArgumentError, NotFoundError
from jupyter_mlstudio.features.lineage import data_hashes, parse_source
from jupyter_mlstudio.registry.service import data_reference

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


def _group() -> None:
    store = mls.studio().features
    store.create_group(
        "customers",
        record_identifier="id",
        event_time_feature="ts",
        features=[
            {"name": "id", "type": "integral"},
            {"name": "ts", "type": "timestamp"},
            {"name": "age", "type": "integral"},
        ],
    )
    frame = pd.DataFrame({"id": [1, 2, 3, 4], "ts": [T0] * 4, "age": [20, 35, 50, 65]})
    store.ingest("customers", frame, source="Data Wrangler flow customers.flow")
    store.ingest("customers", frame.head(1), source="job:abc123 /data/customers.csv")
    store.put_record("customers", {"id": 9, "ts": T0, "age": 1})


def _entity() -> pd.DataFrame:
    later = datetime(2024, 2, 1, tzinfo=timezone.utc)
    return pd.DataFrame({"id": [1, 2, 3, 4], "ts": [later] * 4, "label": [0, 0, 1, 1]})


def test_written_dataset_is_recorded_once_with_the_registry_hash(tmp_path: Path) -> None:
    _group()
    store = mls.studio().features
    out = tmp_path / "train.parquet"
    built = store.dataset(_entity(), ["customers:age"], event_time="ts", output=out)
    store.dataset(_entity(), ["customers:age"], event_time="ts", output=out)  # same again
    store.dataset(_entity(), ["customers:age"], event_time="ts")  # no file, no run: none
    page = store.datasets()
    assert len(page.items) == 1
    recorded = page.items[0]
    assert recorded.output_hash == data_reference(str(out))["hash"]
    assert recorded.fingerprint == built.fingerprint and recorded.groups == ("customers@1",)
    assert recorded.features == ("age",) and recorded.entity_source == "DataFrame"
    assert recorded.entity_rows == 4 and recorded.run_id is None
    assert [d.id for d in store.datasets(group="customers").items] == [recorded.id]
    with pytest.raises(NotFoundError):
        store.datasets(group="nope")
    with pytest.raises(InvalidArgumentError):
        store.datasets(max_items=0)


def test_lineage_from_flow_to_run_and_model_version(tmp_path: Path) -> None:
    _group()
    store = mls.studio().features
    out = tmp_path / "train.csv"
    with mls.start_run("churn") as run:
        # the SDK records the run the notebook has open
        frame = mls.features.training_set(
            _entity(), ["customers:age"], event_time="ts", output=out
        ).frame
        model = LogisticRegression().fit(frame[["age"]], frame["label"])
        run.log_model(model, X=frame[["age"]])
    version = mls.register(run.id, "churn-lr", data=str(out))
    # An unrelated model on other data is not in the lineage.
    other = tmp_path / "other.csv"
    frame.assign(age=frame["age"] + 1).to_csv(other, index=False)
    mls.register(model, "other-lr", data=str(other), input_example=frame[["age"]].head(2))

    lineage = store.lineage("customers")
    assert lineage["group"] == "customers@1"
    feeds = {f["kind"]: f for f in lineage["feeds"]}
    assert set(feeds) == {"flow", "job"}  # single put_record calls are not feeds
    assert feeds["flow"]["name"] == "customers.flow" and feeds["flow"]["rows"] == 4
    assert feeds["job"]["job_id"] == "abc123" and feeds["job"]["name"] == "/data/customers.csv"
    [dataset] = lineage["datasets"]
    assert dataset["run_id"] == run.id and dataset["output_uri"] == str(out.resolve())
    assert [(m["model"], m["version"]) for m in lineage["model_versions"]] == [("churn-lr", 1)]
    assert lineage["model_versions"][0]["datasets"] == [dataset["id"]]
    [run_entry] = lineage["runs"]
    assert run_entry["id"] == run.id and run_entry["experiment_name"] == "churn"
    assert run_entry["built_dataset"] is True
    assert lineage["endpoints"] == [] and lineage["jobs"] == []

    # The other direction: the model version's lineage names the dataset and its groups.
    model_lineage = mls.studio().registry.lineage("churn-lr", version.version)
    [used] = model_lineage["feature_datasets"]
    assert used["id"] == dataset["id"] and used["groups"] == ["customers@1"]
    assert mls.studio().registry.lineage("other-lr", 1)["feature_datasets"] == []


def test_lineage_of_an_unknown_group_is_not_found() -> None:
    with pytest.raises(NotFoundError):
        mls.studio().features.lineage("nope")


def test_parse_source_and_data_hashes() -> None:
    assert parse_source("job:j1 flow:/w/a.flow")["kind"] == "flow"
    assert parse_source("job:j1 flow:/w/a.flow")["job_id"] == "j1"
    assert parse_source("job:j1 flow:/w/a.flow")["name"] == "/w/a.flow"
    assert parse_source("job:j2")["name"] == "j2"
    assert parse_source("/tmp/x.csv")["kind"] == "file"
    assert parse_source("Data Wrangler flow a.flow")["name"] == "a.flow"
    assert parse_source("DataFrame")["kind"] == "sdk"
    ref = {"hash": "sha256:a", "channels": {"train": {"hash": "sha256:b"}, "x": {"uri": "u"}}}
    assert data_hashes(ref) == {"sha256:a", "sha256:b"}
    assert data_hashes(None) == set() and data_hashes("not json") == set()
