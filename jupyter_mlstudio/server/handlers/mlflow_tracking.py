"""MLflow's tracking API over REST (experiments, runs, metrics), for the unmodified client.

Thin, like the registry's handlers (``mlflow_registry.py``, whose base class gives
MLflow's error shape and argument parsing): look the operation up, parse its arguments,
call :class:`jupyter_mlstudio.mlflow_compat.tracking.MlflowTracking`. Unknown paths under
``/mlstudio/mlflow`` answer MLflow's ``ENDPOINT_NOT_FOUND`` (:class:`MlflowNotFoundHandler`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tornado.web import HTTPError

from ...errors import InvalidArgumentError
from ...mlflow_compat.tracking import MlflowTracking, key_values, metric_from
from .mlflow_registry import Args, MlflowBaseHandler, need, text

Operation = Callable[[MlflowTracking, Args], Any]


def _run_id(args: Args) -> str:
    return text(args, "run_id") or text(args, "run_uuid") or str(need(args, "run_id"))


def _id(args: Args, key: str) -> str:
    """A required id or name: text (a number is taken as its digits)."""
    return text(args, key) or str(need(args, key))


def _opt(args: Args, key: str) -> str | None:
    """An optional text argument (a filter, a page token, a view type)."""
    return text(args, key) or None


def max_results(args: Args, default: int) -> int:
    value = args.get("max_results")
    if value is None or value == "":
        return default
    try:
        if isinstance(value, bool):
            raise TypeError
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidArgumentError(f"max_results must be a whole number; got {value!r}.") from None
    if number < 1:
        raise InvalidArgumentError(f"max_results must be at least 1; got {number}.")
    return number


def _list(args: Args, key: str) -> list[Any]:
    value = args.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise InvalidArgumentError(f"'{key}' must be a list.")
    return value


def _log_metric(t: MlflowTracking, a: Args) -> None:
    fields = {k: a[k] for k in ("key", "value", "timestamp", "step") if a.get(k) is not None}
    t.log_batch(_run_id(a), [metric_from(fields)])


def _log_batch(t: MlflowTracking, a: Args) -> None:
    metrics = _list(a, "metrics")
    t.log_batch(
        _run_id(a),
        [metric_from(m) for m in metrics],
        key_values(a.get("params"), "params"),
        key_values(a.get("tags"), "tags"),
    )


OPERATIONS: dict[tuple[str, str], Operation] = {
    # experiments
    ("experiments/create", "POST"): lambda t, a: t.create_experiment(
        _id(a, "name"), key_values(a.get("tags"), "tags")
    ),
    ("experiments/get", "GET"): lambda t, a: t.get_experiment(_id(a, "experiment_id")),
    ("experiments/get-by-name", "GET"): lambda t, a: t.get_experiment_by_name(
        _id(a, "experiment_name")
    ),
    ("experiments/search", "POST"): lambda t, a: t.search_experiments(
        _opt(a, "filter"),
        _list(a, "order_by"),
        max_results(a, 1000),
        _opt(a, "page_token"),
        _opt(a, "view_type"),
    ),
    ("experiments/search", "GET"): lambda t, a: t.search_experiments(
        _opt(a, "filter"),
        _list(a, "order_by"),
        max_results(a, 1000),
        _opt(a, "page_token"),
        _opt(a, "view_type"),
    ),
    ("experiments/update", "POST"): lambda t, a: t.update_experiment(
        _id(a, "experiment_id"), _id(a, "new_name")
    ),
    ("experiments/delete", "POST"): lambda t, a: t.delete_experiment(_id(a, "experiment_id")),
    ("experiments/restore", "POST"): lambda t, a: t.restore_experiment(_id(a, "experiment_id")),
    ("experiments/set-experiment-tag", "POST"): lambda t, a: t.set_experiment_tag(
        _id(a, "experiment_id"), _id(a, "key"), text(a, "value")
    ),
    ("experiments/delete-experiment-tag", "POST"): lambda t, a: t.delete_experiment_tag(
        _id(a, "experiment_id"), _id(a, "key")
    ),
    # runs
    ("runs/create", "POST"): lambda t, a: t.create_run(
        _opt(a, "experiment_id") or "0",
        text(a, "run_name") or None,
        key_values(a.get("tags"), "tags"),
        text(a, "user_id"),
        a.get("start_time"),
    ),
    ("runs/get", "GET"): lambda t, a: t.get_run(_run_id(a)),
    ("runs/update", "POST"): lambda t, a: t.update_run(
        _run_id(a), text(a, "status") or None, a.get("end_time"), text(a, "run_name") or None
    ),
    ("runs/delete", "POST"): lambda t, a: t.delete_run(_run_id(a)),
    ("runs/restore", "POST"): lambda t, a: t.restore_run(_run_id(a)),
    ("runs/log-metric", "POST"): _log_metric,
    ("runs/log-parameter", "POST"): lambda t, a: t.log_batch(
        _run_id(a), params={_id(a, "key"): text(a, "value")}
    ),
    ("runs/set-tag", "POST"): lambda t, a: t.set_tag(_run_id(a), _id(a, "key"), text(a, "value")),
    ("runs/delete-tag", "POST"): lambda t, a: t.delete_tag(_run_id(a), _id(a, "key")),
    ("runs/log-batch", "POST"): _log_batch,
    ("runs/log-inputs", "POST"): lambda t, a: t.log_inputs(_run_id(a), a.get("datasets")),
    # The logged model is recorded by the logged-models API (mlflow_compat/logged_models):
    # these run-side notes of it need nothing more than a known run.
    ("runs/log-model", "POST"): lambda t, a: t.require_run(_run_id(a)),
    ("runs/outputs", "POST"): lambda t, a: t.require_run(_run_id(a)),
    ("runs/search", "POST"): lambda t, a: t.search_runs(
        _list(a, "experiment_ids"),
        _opt(a, "filter"),
        _opt(a, "run_view_type"),
        max_results(a, 1000),
        _list(a, "order_by"),
        _opt(a, "page_token"),
    ),
    ("metrics/get-history", "GET"): lambda t, a: t.metric_history(_run_id(a), _id(a, "metric_key")),
}


class MlflowTrackingHandler(MlflowBaseHandler):
    """``/api/2.0/mlflow/{experiments,runs,metrics}/<operation>``."""

    async def _dispatch(self, operation: str) -> None:
        method = self.request.method or "GET"
        fn = OPERATIONS.get((operation, method))
        if fn is None:
            raise HTTPError(404, f"No MLflow endpoint {method} {operation} on this server.")
        args = self.arguments()
        result = await self.call(fn, MlflowTracking(self.studio), args)
        self.send(result)

    async def get(self, operation: str) -> None:
        await self._dispatch(operation)

    async def post(self, operation: str) -> None:
        await self._dispatch(operation)


class MlflowNotFoundHandler(MlflowBaseHandler):
    """Any other path under the MLflow prefix: ``ENDPOINT_NOT_FOUND`` (after auth)."""

    def _not_found(self) -> None:
        raise HTTPError(404, f"No MLflow endpoint {self.request.method} {self.request.path}.")

    async def get(self, *_: str) -> None:
        self._not_found()

    async def post(self, *_: str) -> None:
        self._not_found()

    async def put(self, *_: str) -> None:
        self._not_found()

    async def patch(self, *_: str) -> None:
        self._not_found()

    async def delete(self, *_: str) -> None:
        self._not_found()


def mlflow_tracking_routes(base: str) -> list[tuple[str, type[MlflowBaseHandler]]]:
    """The tracking routes under ``base`` (``…/mlstudio/mlflow``), ``api`` and ``ajax-api``."""
    prefix = rf"{base}/(?:api|ajax-api)"
    return [
        (rf"{prefix}/2\.0/mlflow/((?:experiments|runs|metrics)/[a-z-]+)", MlflowTrackingHandler),
    ]


def mlflow_not_found_route(base: str) -> tuple[str, type[MlflowBaseHandler]]:
    """The catch-all: add it after every other MLflow route (tornado takes the first match)."""
    return (rf"{base}(/.*)?", MlflowNotFoundHandler)
