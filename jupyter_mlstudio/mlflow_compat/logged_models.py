"""MLflow 3 logged models (``/api/2.0/mlflow/logged-models``) on our runs.

``mlflow.<flavor>.log_model`` creates a logged model, uploads its folder to the model's
``artifact_uri`` and finalizes it. Ours live in their source run, with no table of their
own: the record is a run tag (``mlstudio.mlflow.logged_model.<model id>``, JSON) and the
files are the run's artifacts under the model's name — so the run view shows the model,
``runs:/<run id>/<name>`` names it, and registering it is registering a run's model.
A model id is ``m-<run id>-<8 hex>``: the run it belongs to is in its id.

A logged model without a source run (``log_model`` outside a run) is refused with a
message: start a run first.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import InvalidArgumentError, NotFoundError
from .artifacts import run_artifact_uri
from .registry import matches, parse_filter

if TYPE_CHECKING:
    from ..experiments.run_entities import Run
    from ..studio import Studio

TAG_PREFIX = "mlstudio.mlflow.logged_model."
STATUSES = ("LOGGED_MODEL_PENDING", "LOGGED_MODEL_READY", "LOGGED_MODEL_UPLOAD_FAILED")


def _now_ms() -> int:
    return int(time.time() * 1000)


def run_id_of(model_id: str) -> str:
    body = model_id.removeprefix("m-") if model_id.startswith("m-") else ""
    run_id, _, suffix = body.rpartition("-")
    if not run_id or not suffix:
        raise NotFoundError(f"No logged model with id {model_id!r}.")
    return run_id


class LoggedModels:
    def __init__(self, studio: Studio) -> None:
        self.studio = studio
        self.runs = studio.stores.runs
        self.root = studio.config.artifact_uri

    def _experiment_id(self, experiment_id: str) -> str:
        """Our id for the client's (its default experiment "0" is our Default)."""
        if str(experiment_id) == "0":
            return self.studio.experiments.experiment("Default").id
        return str(experiment_id)

    # -- records -----------------------------------------------------------------------
    def find(self, model_id: str) -> tuple[Run, dict[str, Any]]:
        try:
            run = self.runs.get_run(run_id_of(model_id))
        except NotFoundError:
            raise NotFoundError(f"No logged model with id {model_id!r}.") from None
        raw = run.tags.get(TAG_PREFIX + model_id)
        if raw is None:
            raise NotFoundError(f"No logged model with id {model_id!r}.")
        return run, json.loads(raw)

    def _save(self, run_id: str, model_id: str, record: dict[str, Any]) -> None:
        record["updated_ms"] = _now_ms()
        self.runs.log_batch(run_id, tags={TAG_PREFIX + model_id: json.dumps(record)})

    def model_json(self, run: Run, model_id: str, record: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "info": {
                "model_id": model_id,
                "experiment_id": run.experiment_id,
                "name": record["name"],
                "artifact_uri": f"{run_artifact_uri(self.root, run)}/{record['path']}",
                "creation_timestamp_ms": record["created_ms"],
                "last_updated_timestamp_ms": record["updated_ms"],
                "status": record["status"],
                "model_type": record.get("model_type", ""),
                "source_run_id": run.id,
                "tags": [{"key": k, "value": v} for k, v in sorted(record["tags"].items())],
            },
            "data": {
                "params": [{"key": k, "value": v} for k, v in sorted(record["params"].items())],
                "metrics": [],
            },
        }

    # -- operations --------------------------------------------------------------------
    def create(
        self,
        experiment_id: str,
        name: str | None,
        source_run_id: str | None,
        model_type: str = "",
        params: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        if not source_run_id:
            raise InvalidArgumentError(
                "Log models inside a run (mlflow.start_run()): this server keeps a logged "
                "model with the run that produced it."
            )
        try:
            run = self.runs.get_run(source_run_id)
        except NotFoundError:
            raise InvalidArgumentError(f"No run with id {source_run_id!r}.") from None
        if experiment_id and self._experiment_id(experiment_id) != run.experiment_id:
            raise InvalidArgumentError(
                f"Run {source_run_id!r} is in experiment {run.experiment_id}, not {experiment_id}."
            )
        name = name or "model"
        taken = {json.loads(v)["path"] for k, v in run.tags.items() if k.startswith(TAG_PREFIX)}
        model_id = f"m-{run.id}-{secrets.token_hex(4)}"
        # A second model of the same name in one run gets a folder of its own.
        path = name if name not in taken else f"{name}-{model_id[-8:]}"
        record = {
            "name": name,
            "path": path,
            "status": "LOGGED_MODEL_PENDING",
            "model_type": model_type or "",
            "created_ms": _now_ms(),
            "params": {str(k): str(v) for k, v in (params or {}).items()},
            "tags": {str(k): str(v) for k, v in (tags or {}).items()},
        }
        self._save(run.id, model_id, record)
        return {"model": self.model_json(self.runs.get_run(run.id), model_id, record)}

    def get(self, model_id: str) -> dict[str, Any]:
        run, record = self.find(model_id)
        return {"model": self.model_json(run, model_id, record)}

    def finalize(self, model_id: str, status: str) -> dict[str, Any]:
        if status not in STATUSES:
            raise InvalidArgumentError(f"Status {status!r} must be one of {', '.join(STATUSES)}.")
        run, record = self.find(model_id)
        record["status"] = status
        self._save(run.id, model_id, record)
        return self.get(model_id)

    def set_tags(self, model_id: str, tags: Mapping[str, str]) -> None:
        run, record = self.find(model_id)
        record["tags"].update({str(k): str(v) for k, v in tags.items()})
        self._save(run.id, model_id, record)

    def delete_tag(self, model_id: str, key: str) -> None:
        run, record = self.find(model_id)
        if key not in record["tags"]:
            raise NotFoundError(f"Logged model {model_id!r} has no tag {key!r}.")
        del record["tags"][key]
        self._save(run.id, model_id, record)

    def log_params(self, model_id: str, params: Mapping[str, str]) -> None:
        run, record = self.find(model_id)
        record["params"].update({str(k): str(v) for k, v in params.items()})
        self._save(run.id, model_id, record)

    def delete(self, model_id: str) -> None:
        run, _ = self.find(model_id)
        self.runs.delete_tag(run.id, TAG_PREFIX + model_id)

    def search(
        self,
        experiment_ids: list[str],
        filter: str | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> dict[str, Any]:
        """Filter on ``name``, ``source_run_id``, ``status`` or ``tags.<key>``, newest first."""
        conditions = parse_filter(filter)
        found: list[tuple[int, dict[str, Any]]] = []
        for experiment_id in experiment_ids:
            token: str | None = None
            while True:
                page = self.runs.search_runs(
                    [self._experiment_id(experiment_id)], max_items=1000, next_token=token
                )
                for run in page.items:
                    for key, raw in run.tags.items():
                        if not key.startswith(TAG_PREFIX):
                            continue
                        record = json.loads(raw)
                        fields = {
                            "name": record["name"],
                            "source_run_id": run.id,
                            "status": record["status"],
                            **{f"tags.{k}": v for k, v in record["tags"].items()},
                        }
                        if matches(conditions, fields):
                            model_id = key.removeprefix(TAG_PREFIX)
                            found.append(
                                (record["created_ms"], self.model_json(run, model_id, record))
                            )
                token = page.next_token
                if not token:
                    break
        found.sort(key=lambda item: -item[0])
        try:
            start = int(page_token) if page_token else 0
        except ValueError:
            raise InvalidArgumentError(f"Invalid page_token {page_token!r}.") from None
        chunk = [model for _, model in found[start : start + max_results]]
        result: dict[str, Any] = {"models": chunk}
        if start + max_results < len(found):
            result["next_page_token"] = str(start + max_results)
        return result
