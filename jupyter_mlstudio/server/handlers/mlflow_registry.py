"""MLflow's model registry and artifact proxy over REST, for the unmodified mlflow client.

Thin: parse the request (query for GET, JSON body otherwise, as MLflow's client sends),
call :mod:`jupyter_mlstudio.mlflow_compat.registry` / ``.artifacts``, answer MLflow's
JSON. Errors in MLflow's shape ``{"error_code", "message"}`` with the status its client
expects. Authenticated like every ML Studio handler (the client's
``MLFLOW_TRACKING_TOKEN`` arrives as ``Authorization: Bearer <token>``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

from tornado.web import HTTPError

from ...errors import ErrorCode, InvalidArgumentError, MLStudioError
from ...mlflow_compat.artifacts import MlflowArtifactProxy
from ...mlflow_compat.logged_models import LoggedModels
from ...mlflow_compat.registry import MlflowRegistry
from .base import BadRequest, MLStudioHandler

# Our error codes → (HTTP status, MLflow error_code).
MLFLOW_ERRORS: dict[ErrorCode, tuple[int, str]] = {
    ErrorCode.INVALID_ARGUMENT: (400, "INVALID_PARAMETER_VALUE"),
    ErrorCode.NOT_FOUND: (404, "RESOURCE_DOES_NOT_EXIST"),
    ErrorCode.ALREADY_EXISTS: (400, "RESOURCE_ALREADY_EXISTS"),
    ErrorCode.CONFLICT: (400, "INVALID_STATE"),
    ErrorCode.SCHEMA_OUT_OF_DATE: (503, "TEMPORARILY_UNAVAILABLE"),
    ErrorCode.UNAVAILABLE: (503, "TEMPORARILY_UNAVAILABLE"),
    ErrorCode.INTERNAL: (500, "INTERNAL_ERROR"),
}
STATUS_CODES = {
    400: "INVALID_PARAMETER_VALUE",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "ENDPOINT_NOT_FOUND",
    405: "ENDPOINT_NOT_FOUND",
}
Args = dict[str, Any]
Operation = Callable[[MlflowRegistry, Args], Any]
# Set by ``jupyter mlstudio mlflow-server --no-auth`` (loopback only): the MLflow client
# then sends no token, so its POSTs carry no XSRF proof either; only the MLflow routes
# skip that check (the rest of the server keeps it).
NO_AUTH_ENV = "MLSTUDIO_MLFLOW_NO_AUTH"


class MlflowBaseHandler(MLStudioHandler):
    """Errors in MLflow's shape; the request's arguments as MLflow's client sends them."""

    def check_xsrf_cookie(self) -> None:
        if os.environ.get(NO_AUTH_ENV) == "1":
            return
        super().check_xsrf_cookie()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc_info = kwargs.get("exc_info")
        exc = exc_info[1] if exc_info else None
        error_code = STATUS_CODES.get(status_code, "INTERNAL_ERROR")
        message = "Internal server error; the server log has the details."
        if isinstance(exc, MLStudioError):
            status_code, error_code = MLFLOW_ERRORS.get(exc.code, (500, "INTERNAL_ERROR"))
            message = exc.message
        elif isinstance(exc, BadRequest):
            message = exc.message
        elif isinstance(exc, HTTPError):
            message = (
                exc.log_message % exc.args
                if exc.log_message and exc.args
                else (exc.log_message or exc.reason or error_code)
            )
        self.set_status(status_code)
        if status_code == 401:
            self.set_header("WWW-Authenticate", 'Bearer realm="jupyter"')
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps({"error_code": error_code, "message": message}))

    def arguments(self) -> Args:
        if self.request.method in ("GET", "HEAD"):
            args: Args = {}
            for key, values in self.request.query_arguments.items():
                decoded = [v.decode("utf-8", errors="replace") for v in values]
                args[key] = decoded if len(decoded) > 1 or key in LIST_ARGS else decoded[0]
            return args
        if not self.request.body:
            return {}
        try:
            body = json.loads(self.request.body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidArgumentError(f"The request body is not valid JSON: {exc}.") from None
        if not isinstance(body, dict):
            raise InvalidArgumentError("The request body must be a JSON object.")
        return body

    def send(self, payload: Any) -> None:
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps(payload if payload is not None else {}))


LIST_ARGS = frozenset({"stages", "order_by"})


def need(args: Args, key: str) -> Any:
    value = args.get(key)
    if value is None or value == "":
        raise InvalidArgumentError(f"Missing value for required parameter '{key}'.")
    return value


def text(args: Args, key: str, default: str = "") -> str:
    value = args.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise InvalidArgumentError(f"Parameter '{key}' must be text.")
    return str(value)


def tags_of(args: Args) -> dict[str, str]:
    tags = args.get("tags") or []
    if not isinstance(tags, list) or not all(
        isinstance(t, dict) and isinstance(t.get("key"), str) for t in tags
    ):
        raise InvalidArgumentError("'tags' must be a list of {key, value} objects.")
    return {t["key"]: str(t.get("value", "")) for t in tags}


def max_results(args: Args, default: int) -> int:
    try:
        return int(args.get("max_results") or default)
    except (TypeError, ValueError, OverflowError):  # OverflowError: 1e999 is inf
        raise InvalidArgumentError("max_results must be a number.") from None


def _v(args: Args) -> str:
    return text(args, "version") or str(need(args, "version"))


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("registered-models/create", "POST"): lambda r, a: {
        "registered_model": r.create_model(need(a, "name"), text(a, "description"), tags_of(a))
    },
    ("registered-models/get", "GET"): lambda r, a: {
        "registered_model": r.get_model(need(a, "name"))
    },
    ("registered-models/rename", "POST"): lambda r, a: {
        "registered_model": r.rename_model(need(a, "name"), need(a, "new_name"))
    },
    ("registered-models/update", "PATCH"): lambda r, a: {
        "registered_model": r.update_model(need(a, "name"), a.get("description"))
    },
    ("registered-models/delete", "DELETE"): lambda r, a: r.delete_model(need(a, "name")),
    ("registered-models/search", "GET"): lambda r, a: r.search_models(
        a.get("filter"), max_results(a, 100), a.get("page_token")
    ),
    ("registered-models/set-tag", "POST"): lambda r, a: r.set_model_tag(
        need(a, "name"), need(a, "key"), text(a, "value")
    ),
    ("registered-models/delete-tag", "DELETE"): lambda r, a: r.delete_model_tag(
        need(a, "name"), need(a, "key")
    ),
    ("registered-models/get-latest-versions", "POST"): lambda r, a: {
        "model_versions": r.latest_versions(need(a, "name"), a.get("stages"))
    },
    ("registered-models/get-latest-versions", "GET"): lambda r, a: {
        "model_versions": r.latest_versions(need(a, "name"), a.get("stages"))
    },
    ("registered-models/alias", "POST"): lambda r, a: r.set_alias(
        need(a, "name"), need(a, "alias"), _v(a)
    ),
    ("registered-models/alias", "DELETE"): lambda r, a: r.delete_alias(
        need(a, "name"), need(a, "alias")
    ),
    ("registered-models/alias", "GET"): lambda r, a: {
        "model_version": r.get_by_alias(need(a, "name"), need(a, "alias"))
    },
    ("model-versions/create", "POST"): lambda r, a: {
        "model_version": r.create_version(
            need(a, "name"),
            text(a, "source"),
            text(a, "run_id") or None,
            tags_of(a),
            text(a, "description"),
        )
    },
    ("model-versions/get", "GET"): lambda r, a: {
        "model_version": r.get_version(need(a, "name"), _v(a))
    },
    ("model-versions/update", "PATCH"): lambda r, a: {
        "model_version": r.update_version(need(a, "name"), _v(a), text(a, "description"))
    },
    ("model-versions/delete", "DELETE"): lambda r, a: r.delete_version(need(a, "name"), _v(a)),
    ("model-versions/search", "GET"): lambda r, a: r.search_versions(
        a.get("filter"), max_results(a, 10_000), a.get("page_token")
    ),
    ("model-versions/get-download-uri", "GET"): lambda r, a: {
        "artifact_uri": r.download_uri(need(a, "name"), _v(a))
    },
    ("model-versions/transition-stage", "POST"): lambda r, a: {
        "model_version": r.transition_stage(
            need(a, "name"),
            _v(a),
            need(a, "stage"),
            str(a.get("archive_existing_versions", "")).lower() == "true",
        )
    },
    ("model-versions/set-tag", "POST"): lambda r, a: r.set_version_tag(
        need(a, "name"), _v(a), need(a, "key"), text(a, "value")
    ),
    ("model-versions/delete-tag", "DELETE"): lambda r, a: r.delete_version_tag(
        need(a, "name"), _v(a), need(a, "key")
    ),
}


class MlflowRegistryHandler(MlflowBaseHandler):
    """``/api/2.0/mlflow/{registered-models,model-versions}/<operation>``."""

    async def _dispatch(self, operation: str) -> None:
        method = self.request.method or "GET"
        fn = OPERATIONS.get((operation, method))
        if fn is None:
            raise HTTPError(404, f"No MLflow endpoint {method} {operation} on this server.")
        args = self.arguments()
        registry = MlflowRegistry(self.studio)
        result = await self.call(fn, registry, args)
        self.send(result)

    async def get(self, operation: str) -> None:
        await self._dispatch(operation)

    async def post(self, operation: str) -> None:
        await self._dispatch(operation)

    async def patch(self, operation: str) -> None:
        await self._dispatch(operation)

    async def delete(self, operation: str) -> None:
        await self._dispatch(operation)


def _pairs(args: Args, key: str) -> dict[str, str]:
    items = args.get(key) or []
    if not isinstance(items, list) or not all(
        isinstance(t, dict) and isinstance(t.get("key"), str) for t in items
    ):
        raise InvalidArgumentError(f"'{key}' must be a list of {{key, value}} objects.")
    return {t["key"]: str(t.get("value", "")) for t in items}


class LoggedModelsHandler(MlflowBaseHandler):
    """``/api/2.0/mlflow/logged-models`` (create) and ``…/search``."""

    async def post(self, search: str | None = None) -> None:
        args = self.arguments()
        models = LoggedModels(self.studio)
        if search:
            ids = args.get("experiment_ids") or []
            if not isinstance(ids, list):
                raise InvalidArgumentError("'experiment_ids' must be a list.")
            result = await self.call(
                models.search,
                [str(i) for i in ids],
                args.get("filter"),
                max_results(args, 100),
                args.get("page_token"),
            )
        else:
            result = await self.call(
                models.create,
                text(args, "experiment_id"),
                text(args, "name") or None,
                text(args, "source_run_id") or None,
                text(args, "model_type"),
                _pairs(args, "params"),
                _pairs(args, "tags"),
            )
        self.send(result)


class LoggedModelHandler(MlflowBaseHandler):
    """``/api/2.0/mlflow/logged-models/<id>[/tags[/<key>]|/params]``."""

    async def get(self, model_id: str, part: str | None = None) -> None:
        if part:
            raise HTTPError(404, f"No MLflow endpoint GET logged-models/…/{part}.")
        self.send(await self.call(LoggedModels(self.studio).get, model_id))

    async def patch(self, model_id: str, part: str | None = None) -> None:
        args = self.arguments()
        models = LoggedModels(self.studio)
        if part == "tags":
            await self.call(models.set_tags, model_id, _pairs(args, "tags"))
            self.send({})
        elif part is None:
            self.send(await self.call(models.finalize, model_id, text(args, "status")))
        else:
            raise HTTPError(404, f"No MLflow endpoint PATCH logged-models/…/{part}.")

    async def post(self, model_id: str, part: str | None = None) -> None:
        if part != "params":
            raise HTTPError(404, "No MLflow endpoint POST logged-models/<id>.")
        args = self.arguments()
        await self.call(LoggedModels(self.studio).log_params, model_id, _pairs(args, "params"))
        self.send({})

    async def delete(self, model_id: str, part: str | None = None) -> None:
        models = LoggedModels(self.studio)
        if part is None:
            await self.call(models.delete, model_id)
        elif part.startswith("tags/"):
            await self.call(models.delete_tag, model_id, part.removeprefix("tags/"))
        else:
            raise HTTPError(404, f"No MLflow endpoint DELETE logged-models/…/{part}.")
        self.send({})


class MlflowArtifactsHandler(MlflowBaseHandler):
    """``/api/2.0/mlflow-artifacts/artifacts[/<path>]``: list (no path), download (GET),
    upload (PUT), delete (DELETE)."""

    def _proxy(self) -> MlflowArtifactProxy:
        return MlflowArtifactProxy(self.studio.config.artifact_uri, self.studio.stores.runs)

    async def get(self, path: str = "") -> None:
        proxy = self._proxy()
        if not path:
            listed = await self.call(proxy.list, self.get_query_argument("path", ""))
            self.send(listed)
            return
        handle = await self.call(proxy.open, path)
        try:
            self.set_header("Content-Type", "application/octet-stream")
            while chunk := await self.call(handle.read, 1 << 20):
                self.write(chunk)
                await self.flush()
        finally:
            handle.close()
        self.finish()

    async def put(self, path: str = "") -> None:
        if not path:
            raise InvalidArgumentError("An artifact upload needs a file path.")
        await self.call(self._proxy().upload, path, self.request.body)
        self.send({})

    async def delete(self, path: str = "") -> None:
        target = path or self.get_query_argument("path", "")
        await self.call(self._proxy().delete, target)
        self.send({})


class MlflowServerInfoHandler(MlflowBaseHandler):
    """``/api/3.0/mlflow/server-info``: no multipart transfers (files go whole)."""

    async def get(self) -> None:
        self.send(
            {
                "store_type": "SqlStore",
                "multipart_uploads_enabled": False,
                "multipart_downloads_enabled": False,
            }
        )


def mlflow_registry_routes(base: str) -> list[tuple[str, type[MlflowBaseHandler]]]:
    """The registry and artifact routes under ``base`` (``…/mlstudio/mlflow``), for both
    ``api`` and ``ajax-api`` (MLflow's UI prefix)."""
    prefix = rf"{base}/(?:api|ajax-api)"
    return [
        (
            rf"{prefix}/2\.0/mlflow/((?:registered-models|model-versions)/[a-z-]+)",
            MlflowRegistryHandler,
        ),
        (rf"{prefix}/2\.0/mlflow/logged-models/?", LoggedModelsHandler),
        (rf"{prefix}/2\.0/mlflow/logged-models/(search)", LoggedModelsHandler),
        (
            rf"{prefix}/2\.0/mlflow/logged-models/([^/]+)(?:/(tags|params|tags/.+))?",
            LoggedModelHandler,
        ),
        (rf"{prefix}/2\.0/mlflow-artifacts/artifacts/?", MlflowArtifactsHandler),
        (rf"{prefix}/2\.0/mlflow-artifacts/artifacts/(.+)", MlflowArtifactsHandler),
        (rf"{prefix}/3\.0/mlflow/server-info", MlflowServerInfoHandler),
    ]
