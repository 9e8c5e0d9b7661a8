"""MLflow's tracking API (experiments, runs, params, metrics, tags, search) on our store.

One store: an MLflow experiment is our experiment, an MLflow run our run. What the
client sends is mapped, not mirrored:

- MLflow's default experiment ``"0"`` is our ``Default`` experiment (created on first use).
- ``mlflow.parentRunId`` at run creation becomes the run's parent (our UI nests it);
  ``mlflow.runName`` is the run's name. Both are shown back as tags, as MLflow does, and
  filters and order_by on them read the run's parent and name.
- Times are milliseconds on the wire, seconds (metrics) or datetimes (runs) in our store.
- Deleting an experiment is MLflow's soft delete: the experiment keeps its runs and is
  marked with the tag :data:`DELETED_TAG` (``restore`` removes it); our own API deletes
  outright, which MLflow's has no call for.

The shapes are MLflow's protobuf JSON (``service.proto``); the handlers in
``server/handlers/mlflow_tracking.py`` only parse requests and call these.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..errors import AlreadyExistsError, ConflictError, InvalidArgumentError, NotFoundError
from ..experiments.entities import Experiment
from ..experiments.run_entities import Metric, Run
from ..store.pagination import MAX_MAX_ITEMS
from .artifacts import mlflow_artifact_uri, run_artifact_uri
from .search import experiment_matches, mlflow_order_by, mlflow_run_filter

if TYPE_CHECKING:
    from ..studio import Studio

DEFAULT_EXPERIMENT_ID = "0"
DEFAULT_EXPERIMENT = "Default"
DELETED_TAG = "mlstudio.mlflow.deleted"
PARENT_TAG = "mlflow.parentRunId"
RUN_NAME_TAG = "mlflow.runName"
USER_TAG = "mlflow.user"
HIDDEN_TAG_PREFIX = "mlstudio.mlflow.logged_model."
# MLflow's own limits for one log-batch call (its server refuses more).
MAX_BATCH_METRICS = 1000
MAX_BATCH_PARAMS = 100
MAX_BATCH_TAGS = 100
VIEW_TYPES = {"ACTIVE_ONLY": "active", "DELETED_ONLY": "deleted", "ALL": "all"}
RUN_STATUSES = ("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED")


def millis(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1000)


def _pairs(items: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in items.items()]


def number(value: Any, what: str) -> float:
    """A metric value as MLflow sends it: a number, or "NaN"/"Infinity" as text."""
    if isinstance(value, bool):
        raise InvalidArgumentError(f"{what} must be a number.")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise InvalidArgumentError(f"{what} must be a number; got {value!r}.")


def integer(value: Any, what: str, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise InvalidArgumentError(f"{what} must be an integer.")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"{what} must be an integer; got {value!r}.") from None


def metric_from(item: Any, what: str = "metric") -> Metric:
    """One MLflow ``Metric`` JSON object (key, value, timestamp ms, step)."""
    if not isinstance(item, Mapping):
        raise InvalidArgumentError(f"Each {what} must be an object with key and value.")
    key = item.get("key")
    if not isinstance(key, str) or not key:
        raise InvalidArgumentError(f"Missing value for required parameter 'key' of a {what}.")
    if "value" not in item:
        raise InvalidArgumentError(f"Missing value for required parameter 'value' of {key!r}.")
    stamp = integer(item.get("timestamp"), "timestamp", int(time.time() * 1000))
    return Metric(
        key=key,
        value=number(item["value"], f"The value of {key!r}"),
        step=integer(item.get("step"), "step", 0),
        timestamp=stamp / 1000.0,
    )


def key_values(items: Any, what: str) -> dict[str, str]:
    """MLflow's list of ``{key, value}`` objects (params or tags) as a dict."""
    if items is None:
        return {}
    if not isinstance(items, list) or not all(
        isinstance(t, Mapping) and isinstance(t.get("key"), str) for t in items
    ):
        raise InvalidArgumentError(f"'{what}' must be a list of {{key, value}} objects.")
    out: dict[str, str] = {}
    for item in items:
        value = item.get("value", "")
        out[item["key"]] = "" if value is None else str(value)
    return out


class MlflowTracking:
    """The tracking half of MLflow's REST API over one studio."""

    def __init__(self, studio: Studio) -> None:
        self.studio = studio
        self.experiments = studio.experiments
        self.root = studio.config.artifact_uri.rstrip("/")

    # -- experiments -------------------------------------------------------------------
    def experiment_id(self, experiment_id: Any) -> str:
        """Our id for the id MLflow's client sends (``"0"`` is our Default experiment)."""
        if experiment_id is None or experiment_id == "":
            raise InvalidArgumentError("Missing value for required parameter 'experiment_id'.")
        text = str(experiment_id)
        if text == DEFAULT_EXPERIMENT_ID:
            return self.experiments.experiment(DEFAULT_EXPERIMENT).id
        return text

    def experiment_json(self, experiment: Experiment) -> dict[str, Any]:
        tags = dict(experiment.tags)
        deleted = tags.pop(DELETED_TAG, None) is not None
        return {
            "experiment_id": experiment.id,
            "name": experiment.name,
            "artifact_location": mlflow_artifact_uri(
                self.root, f"{self.root}/experiments/{experiment.id}"
            ),
            "lifecycle_stage": "deleted" if deleted else "active",
            "creation_time": millis(experiment.created_at),
            "last_update_time": millis(experiment.updated_at),
            "tags": _pairs(tags),
        }

    def create_experiment(self, name: str, tags: Mapping[str, str]) -> dict[str, Any]:
        try:
            experiment = self.experiments.create_experiment(name, tags=dict(tags))
        except AlreadyExistsError:
            raise AlreadyExistsError(
                f"Experiment(name={name}) already exists. Error: an experiment with that name "
                "exists (it may be deleted: restore it or pick another name)."
            ) from None
        return {"experiment_id": experiment.id}

    def get_experiment(self, experiment_id: Any) -> dict[str, Any]:
        experiment = self.experiments.get_experiment(self.experiment_id(experiment_id))
        return {"experiment": self.experiment_json(experiment)}

    def get_experiment_by_name(self, name: str) -> dict[str, Any]:
        try:
            experiment = self.experiments.get_experiment_by_name(name)
        except NotFoundError:
            raise NotFoundError(f"Could not find experiment with name '{name}'") from None
        return {"experiment": self.experiment_json(experiment)}

    def search_experiments(
        self,
        filter: str | None,
        order_by: Sequence[str] | None,
        max_results: int,
        page_token: str | None,
        view_type: str | None,
    ) -> dict[str, Any]:
        lifecycle = _view(view_type)
        self.experiments.experiment(DEFAULT_EXPERIMENT)  # MLflow always has one
        found: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = self.experiments.list_experiments(MAX_MAX_ITEMS, token)
            for experiment in page.items:
                shown = self.experiment_json(experiment)
                if lifecycle != "all" and shown["lifecycle_stage"] != lifecycle:
                    continue
                if experiment_matches(filter, shown):
                    found.append(shown)
            token = page.next_token
            if token is None:
                break
        _sort_experiments(found, order_by)
        start = _offset(page_token)
        window = found[start : start + max_results]
        more = start + max_results < len(found)
        return {
            "experiments": window,
            **({"next_page_token": str(start + max_results)} if more else {}),
        }

    def update_experiment(self, experiment_id: Any, new_name: str) -> None:
        self.experiments.update_experiment(self.experiment_id(experiment_id), name=new_name)

    def _set_experiment_tags(self, experiment_id: Any, change: Mapping[str, str | None]) -> None:
        eid = self.experiment_id(experiment_id)
        tags = dict(self.experiments.get_experiment(eid).tags)
        for key, value in change.items():
            if value is None:
                tags.pop(key, None)
            else:
                tags[key] = value
        self.experiments.update_experiment(eid, tags=tags)

    def delete_experiment(self, experiment_id: Any) -> None:
        self._set_experiment_tags(
            experiment_id, {DELETED_TAG: datetime.now(timezone.utc).isoformat()}
        )

    def restore_experiment(self, experiment_id: Any) -> None:
        self._set_experiment_tags(experiment_id, {DELETED_TAG: None})

    def set_experiment_tag(self, experiment_id: Any, key: str, value: str) -> None:
        self._set_experiment_tags(experiment_id, {key: value})

    def delete_experiment_tag(self, experiment_id: Any, key: str) -> None:
        self._set_experiment_tags(experiment_id, {key: None})

    # -- runs --------------------------------------------------------------------------
    def run_info(self, run: Run) -> dict[str, Any]:
        info: dict[str, Any] = {
            "run_id": run.id,
            "run_uuid": run.id,
            "run_name": run.name,
            "experiment_id": run.experiment_id,
            "user_id": run.tags.get(USER_TAG, ""),
            "status": run.status,
            "start_time": millis(run.start_time),
            "artifact_uri": run_artifact_uri(self.root, run),
            "lifecycle_stage": "deleted" if run.lifecycle == "deleted" else "active",
        }
        if run.end_time is not None:
            info["end_time"] = millis(run.end_time)
        return info

    def run_json(self, run: Run, latest: Sequence[Metric] = ()) -> dict[str, Any]:
        """MLflow's Run; ``latest`` is the run's latest metrics with their step and time
        (:meth:`RunStore.latest_metrics`), which the run snapshot does not hold."""
        tags = {k: v for k, v in run.tags.items() if not k.startswith(HIDDEN_TAG_PREFIX)}
        tags[RUN_NAME_TAG] = run.name
        if run.parent_run_id:
            tags[PARENT_TAG] = run.parent_run_id
        metrics = [_metric_json(m) for m in latest]
        return {
            "info": self.run_info(run),
            "data": {"metrics": metrics, "params": _pairs(run.params), "tags": _pairs(tags)},
            "inputs": {},
            "outputs": {},
        }

    def create_run(
        self,
        experiment_id: Any,
        run_name: str | None,
        tags: Mapping[str, str],
        user_id: str,
        start_time: Any = None,
    ) -> dict[str, Any]:
        eid = self.experiment_id(experiment_id)
        experiment = self.experiments.get_experiment(eid)
        if DELETED_TAG in experiment.tags:
            raise InvalidArgumentError(
                f"The experiment {experiment.name!r} is deleted: restore it to log runs to it."
            )
        tags = dict(tags)
        parent = tags.pop(PARENT_TAG, None) or None
        name = run_name or tags.get(RUN_NAME_TAG) or None
        tags.pop(RUN_NAME_TAG, None)
        if user_id and USER_TAG not in tags:
            tags[USER_TAG] = user_id
        try:
            run = self.experiments.create_run(
                eid,
                name=name,
                tags=tags,
                parent_run_id=parent,
                start_time=_moment(start_time, "start_time"),
            )
        except NotFoundError as exc:
            if parent and "run" in str(exc).lower():
                raise InvalidArgumentError(f"The parent run {parent!r} does not exist.") from None
            raise
        return {"run": self.run_json(run)}

    def get_run(self, run_id: str) -> dict[str, Any]:
        run = self.experiments.get_run(run_id)
        return {"run": self.run_json(run, self._latest([run_id]).get(run_id, []))}

    def _latest(self, run_ids: Sequence[str]) -> dict[str, list[Metric]]:
        return self.studio.stores.runs.latest_metrics(run_ids)

    def update_run(
        self, run_id: str, status: str | None, end_time: Any, run_name: str | None
    ) -> dict[str, Any]:
        run = self.experiments.get_run(run_id)
        if run_name and run_name != run.name:
            run = self.experiments.update_run(run_id, name=run_name)
        if status:
            status = status.upper()
            if status not in RUN_STATUSES:
                raise InvalidArgumentError(
                    f"Invalid value {status!r} for parameter 'status': use one of "
                    f"{', '.join(RUN_STATUSES)}."
                )
            if status in ("RUNNING", "SCHEDULED"):
                if run.status != "RUNNING":  # mlflow.start_run(run_id=...) resumes it
                    run = self.studio.stores.runs.resume_run(run_id)
            elif run.status == "RUNNING":
                run = self.experiments.end_run(run_id, status, _moment(end_time, "end_time"))
        return {"run_info": self.run_info(run)}

    def require_run(self, run_id: str) -> None:
        """Nothing to record, but the run must exist (``RESOURCE_DOES_NOT_EXIST`` if not)."""
        self.experiments.get_run(run_id)

    def delete_run(self, run_id: str) -> None:
        self.experiments.delete_run(run_id)

    def restore_run(self, run_id: str) -> None:
        self.experiments.restore_run(run_id)

    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[Metric] = (),
        params: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        params = dict(params or {})
        tags = dict(tags or {})
        for what, count, limit in (
            ("metrics", len(metrics), MAX_BATCH_METRICS),
            ("params", len(params), MAX_BATCH_PARAMS),
            ("tags", len(tags), MAX_BATCH_TAGS),
        ):
            if count > limit:
                raise InvalidArgumentError(
                    f"A batch logging request can contain at most {limit} {what}. "
                    f"Got {count} {what}. Please split up {what} across multiple requests "
                    "and try again."
                )
        name = tags.pop(RUN_NAME_TAG, None)
        tags.pop(PARENT_TAG, None)  # the parent is set when the run is created
        if name:
            self.experiments.update_run(run_id, name=name)
        try:
            self.experiments.log_batch(run_id, metrics, params, tags)
        except ConflictError as exc:
            if exc.message.startswith("Param "):
                # MLflow answers a changed param as bad input (its client raises on 400)
                raise InvalidArgumentError(exc.message) from None
            raise

    def set_tag(self, run_id: str, key: str, value: str) -> None:
        self.log_batch(run_id, tags={key: value})

    def delete_tag(self, run_id: str, key: str) -> None:
        self.experiments.delete_tag(run_id, key)

    def log_inputs(self, run_id: str, datasets: Any) -> None:
        """Datasets a run used, kept as run tags ``mlflow.dataset.<name>`` (their source
        and digest) so our run view and searches show them."""
        if datasets is None:
            datasets = []
        if not isinstance(datasets, list):
            raise InvalidArgumentError("'datasets' must be a list.")
        tags: dict[str, str] = {}
        for item in datasets:
            dataset = item.get("dataset") if isinstance(item, Mapping) else None
            if not isinstance(dataset, Mapping) or not dataset.get("name"):
                raise InvalidArgumentError("Each dataset input needs a dataset with a name.")
            context = key_values(item.get("tags"), "tags").get("mlflow.data.context", "")
            label = f"mlflow.dataset.{dataset['name']}" + (f".{context}" if context else "")
            tags[label[:250]] = (
                f"digest={dataset.get('digest', '')} source_type="
                f"{dataset.get('source_type', '')} source={str(dataset.get('source', ''))[:4000]}"
            )
        if tags:
            self.log_batch(run_id, tags=tags)
        else:
            self.experiments.get_run(run_id)  # unknown run → 404 even for no datasets

    def search_runs(
        self,
        experiment_ids: Sequence[Any],
        filter: str | None,
        run_view_type: str | None,
        max_results: int,
        order_by: Sequence[str] | None,
        page_token: str | None,
    ) -> dict[str, Any]:
        ids = [self.experiment_id(e) for e in experiment_ids]
        if not ids:
            raise InvalidArgumentError("Missing value for required parameter 'experiment_ids'.")
        page = self.experiments.search_runs(
            ids,
            mlflow_run_filter(filter),
            mlflow_order_by(order_by),
            max_items=max(1, min(max_results, MAX_MAX_ITEMS)),
            next_token=page_token or None,
            lifecycle=_view(run_view_type),
        )
        latest = self._latest([r.id for r in page.items])
        out: dict[str, Any] = {"runs": [self.run_json(r, latest.get(r.id, [])) for r in page.items]}
        if page.next_token:
            out["next_page_token"] = page.next_token
        return out

    def metric_history(self, run_id: str, key: str) -> dict[str, Any]:
        history = self.experiments.get_metric_history(run_id, key)
        return {"metrics": [_metric_json(m) for m in history]}


def _metric_json(metric: Metric) -> dict[str, Any]:
    return {
        "key": metric.key,
        "value": _json_number(metric.value),
        "timestamp": int(metric.timestamp * 1000),
        "step": metric.step,
    }


def _moment(ms: Any, what: str = "start_time") -> datetime | None:
    """The client's time in milliseconds since the epoch (None when it sent none)."""
    if ms is None or ms == "":
        return None
    stamp = integer(ms, what, 0)
    try:
        return datetime.fromtimestamp(stamp / 1000, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise InvalidArgumentError(f"{what} {ms!r} is not a time in milliseconds.") from None


def _json_number(value: float) -> float | str:
    """MLflow's JSON spells the numbers JSON has no literal for as text."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def _view(view_type: str | None) -> str:
    if not view_type:
        return "active"
    lifecycle = VIEW_TYPES.get(str(view_type).upper())
    if lifecycle is None:
        raise InvalidArgumentError(
            f"Invalid view type {view_type!r}: use ACTIVE_ONLY, DELETED_ONLY or ALL."
        )
    return lifecycle


def _offset(page_token: str | None) -> int:
    if not page_token:
        return 0
    try:
        offset = int(page_token)
    except ValueError:
        raise InvalidArgumentError(f"Invalid page token {page_token!r}.") from None
    if offset < 0:
        raise InvalidArgumentError(f"Invalid page token {page_token!r}.")
    return offset


_EXPERIMENT_ORDER_KEYS = {
    "name": "name",
    "attributes.name": "name",
    "experiment_id": "experiment_id",
    "attributes.experiment_id": "experiment_id",
    "creation_time": "creation_time",
    "attributes.creation_time": "creation_time",
    "last_update_time": "last_update_time",
    "attributes.last_update_time": "last_update_time",
}


def _sort_experiments(found: list[dict[str, Any]], order_by: Sequence[str] | None) -> None:
    """MLflow's order: the given keys, then newest first by creation (its default)."""
    keys: list[tuple[str, bool]] = []
    for item in order_by or []:
        words = str(item).split()
        if not words or len(words) > 2:
            raise InvalidArgumentError(f"Invalid order_by clause {item!r}.")
        field = _EXPERIMENT_ORDER_KEYS.get(words[0].lower())
        direction = words[1].upper() if len(words) == 2 else "ASC"
        if field is None or direction not in ("ASC", "DESC"):
            raise InvalidArgumentError(
                f"Invalid order_by clause {item!r}: order experiments by name, "
                "experiment_id, creation_time or last_update_time, ASC or DESC."
            )
        keys.append((field, direction == "DESC"))
    found.sort(key=lambda e: e["experiment_id"])
    found.sort(key=lambda e: e["creation_time"] or 0, reverse=True)
    for field, descending in reversed(keys):
        found.sort(key=lambda e, f=field: e[f], reverse=descending)  # type: ignore[misc]
