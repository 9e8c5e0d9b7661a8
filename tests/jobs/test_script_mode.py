"""SageMaker script mode: scripts written for SageMaker run unchanged as local jobs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from jupyter_mlstudio.artifacts import ArtifactRepository
from jupyter_mlstudio.jobs.specs import TrainingSpec
from jupyter_mlstudio.studio import Studio

SAGEMAKER_SKLEARN_SCRIPT = """
import argparse
import os

import joblib
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import cross_val_score

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-estimators", type=int, default=10)
    parser.add_argument("--max-depth", type=int, default=None)
    parser.add_argument("--model-dir", type=str, default=os.environ.get("SM_MODEL_DIR"))
    parser.add_argument("--train", type=str, default=os.environ.get("SM_CHANNEL_TRAIN"))
    args, _ = parser.parse_known_args()

    files = [os.path.join(args.train, f) for f in os.listdir(args.train)]
    frame = pd.concat(pd.read_csv(f) for f in files)
    X, y = frame.drop(columns=["target"]), frame["target"]
    model = RandomForestClassifier(n_estimators=args.n_estimators, max_depth=args.max_depth)
    for fold, score in enumerate(cross_val_score(model, X, y, cv=3)):
        print(f"fold={fold}; accuracy={score:.4f}")
    model.fit(X, y)
    joblib.dump(model, os.path.join(args.model_dir, "model.joblib"))
"""


def test_plain_sagemaker_sklearn_script_trains_unchanged(
    studio: Studio, script: Callable[[str, str], Path], cancer_csv: Path
) -> None:
    entry = script("train.py", SAGEMAKER_SKLEARN_SCRIPT)
    job = studio.jobs.submit(
        TrainingSpec(
            entry_point=str(entry),
            hyperparameters={"n-estimators": 15, "max-depth": 4},
            channels={"train": str(cancer_csv)},
            metric_definitions=[{"name": "cv_accuracy", "regex": r"accuracy=([0-9.]+)"}],
        )
    )
    done = studio.jobs.wait(job.id, timeout=120)
    log = studio.jobs.read_log(job.id).text
    assert done.status == "Completed", (done.failure_reason, log)

    # the model folder became the job's model artifact and the run's
    assert done.outputs["model"] == f"{job.artifact_uri}/model"
    assert done.run_id is not None
    run = studio.experiments.get_run(done.run_id)
    assert run.status == "FINISHED"
    names = [a.name for a in ArtifactRepository(run.artifact_uri).list("model")]
    assert names == ["model.joblib"]
    # hyperparameters as params; metric definitions turned log lines into metrics
    assert run.params["n-estimators"] == "15"
    history = studio.experiments.get_metric_history(done.run_id, "cv_accuracy")
    assert [m.step for m in history] == [0, 1, 2]
    assert all(0.8 < m.value <= 1 for m in history)
    assert "fold=2; accuracy=" in log


def test_working_folder_follows_the_container_contract(
    studio: Studio, script: Callable[[str, str], Path], tmp_path: Path
) -> None:
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "part-0.csv").write_text("a,b\n1,2\n")
    (tmp_path / "extra.csv").write_text("c\n3\n")
    entry = script(
        "contract.py",
        """
        import json, os, sys
        names = ["SM_MODEL_DIR", "SM_OUTPUT_DATA_DIR", "SM_CHANNELS", "SM_HPS", "SM_NUM_CPUS",
                 "SM_CURRENT_HOST", "SM_HOSTS", "SM_CHANNEL_TRAIN", "SM_CHANNEL_EXTRA",
                 "SM_HP_EPOCHS", "SM_HP_LEARNING_RATE", "SM_HP_NAME"]
        seen = {n: os.environ.get(n) for n in names}
        seen["argv"] = sys.argv[1:]
        cfg = os.path.join(os.environ["SM_MODEL_DIR"], "..", "input", "config")
        seen["hyperparameters.json"] = json.load(open(os.path.join(cfg, "hyperparameters.json")))
        seen["train_files"] = sorted(os.listdir(os.environ["SM_CHANNEL_TRAIN"]))
        seen["extra_files"] = sorted(os.listdir(os.environ["SM_CHANNEL_EXTRA"]))
        with open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "seen.json"), "w") as f:
            json.dump(seen, f)
        """,
    )
    job = studio.jobs.submit(
        TrainingSpec(
            entry_point=str(entry),
            hyperparameters={"epochs": 3, "learning_rate": 0.5, "name": "rf"},
            channels={"train": str(tmp_path / "train"), "extra": str(tmp_path / "extra.csv")},
        )
    )
    done = studio.jobs.wait(job.id, timeout=60)
    assert done.status == "Completed", done.failure_reason
    root = ArtifactRepository(done.artifact_uri).local_path
    assert root is not None
    seen = json.loads((root / "output" / "data" / "seen.json").read_text())
    assert Path(seen["SM_MODEL_DIR"]) == root / "model"
    assert json.loads(seen["SM_CHANNELS"]) == ["extra", "train"]
    assert json.loads(seen["SM_HPS"]) == {"epochs": 3, "learning_rate": 0.5, "name": "rf"}
    assert seen["SM_HP_EPOCHS"] == "3" and seen["SM_HP_NAME"] == "rf"
    assert seen["SM_HP_LEARNING_RATE"] == "0.5"
    assert int(seen["SM_NUM_CPUS"]) >= 1
    assert seen["SM_CURRENT_HOST"] == "algo-1" and json.loads(seen["SM_HOSTS"]) == ["algo-1"]
    assert seen["argv"] == ["--epochs", "3", "--learning_rate", "0.5", "--name", "rf"]
    assert seen["hyperparameters.json"] == {"epochs": "3", "learning_rate": "0.5", "name": "rf"}
    assert seen["train_files"] == ["part-0.csv"]
    assert seen["extra_files"] == ["extra.csv"]
    assert done.outputs["output_data"].endswith("/output/data")


def test_runs_started_by_the_script_are_children_of_the_job_run(
    studio: Studio, script: Callable[[str, str], Path]
) -> None:
    entry = script(
        "tracked.py",
        """
        import jupyter_mlstudio as mls
        for fold in range(2):
            with mls.start_run(name=f"fold-{fold}") as run:
                run.log_metric("score", 0.5 + fold / 10)
        """,
    )
    job = studio.jobs.submit(TrainingSpec(entry_point=str(entry), experiment="cv"))
    done = studio.jobs.wait(job.id, timeout=60)
    assert done.status == "Completed", studio.jobs.read_log(job.id).text
    experiment = studio.experiments.get_experiment_by_name("cv")
    runs = studio.experiments.search_runs([experiment.id]).items
    children = sorted((r for r in runs if r.parent_run_id == done.run_id), key=lambda r: r.name)
    assert [(r.name, r.metrics["score"]) for r in children] == [("fold-0", 0.5), ("fold-1", 0.6)]
