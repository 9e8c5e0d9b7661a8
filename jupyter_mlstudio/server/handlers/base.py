"""The base of every ML Studio handler: errors, parsing, serialization, off-loop calls.

Domain errors are mapped to HTTP status here and only here; every error response,
including tornado's own (403, 404, 405 …), has the shape
``{"error": {"code": ..., "message": ...}}``. Unexpected exceptions become a 500 with a
generic message and are logged with their traceback on the server, never sent.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from concurrent.futures import Executor
from http import HTTPStatus
from pathlib import Path
from typing import Any, TypeVar

import tornado.ioloop
import tornado.web
from jupyter_server.base.handlers import APIHandler
from pydantic import BaseModel, ValidationError
from tornado.web import HTTPError

from ...errors import ErrorCode, MLStudioError
from ...studio import Studio

EVENT_SCHEMA_ID = "https://events.jupyter.org/jupyter_mlstudio/resource_changed/v1"
ModelT = TypeVar("ModelT", bound=BaseModel)
ResultT = TypeVar("ResultT")

STATUS_BY_CODE: dict[ErrorCode, int] = {
    ErrorCode.INVALID_ARGUMENT: 400,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.ALREADY_EXISTS: 409,
    ErrorCode.CONFLICT: 409,
    ErrorCode.SCHEMA_OUT_OF_DATE: 503,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.INTERNAL: 500,
}
CODE_BY_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "ALREADY_EXISTS",
    413: "TOO_LARGE",
    414: "URI_TOO_LONG",
    415: "UNSUPPORTED_MEDIA_TYPE",
}
# Longer query strings are answered 414. The server's header limit is raised above this
# (see MLStudio.max_header_bytes) so such a request reaches us instead of being dropped.
MAX_QUERY_BYTES = 64 * 1024


class BadRequest(HTTPError):
    """A 400 whose message is safe and useful to show to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(400, reason="Bad Request")
        self.message = message


def _is_nul_error(exc: BaseException | None) -> bool:
    """``ValueError: embedded null byte`` (os, pathlib, subprocess) or ``… character``."""
    return isinstance(exc, ValueError) and "null" in str(exc) and "embedded" in str(exc)


class MLStudioHandler(APIHandler):
    auth_resource = "mlstudio"

    async def prepare(self) -> None:  # type: ignore[override]  # as APIHandler.prepare
        try:
            await super().prepare()
        except HTTPError as exc:
            # Jupyter answers a request without credentials 403 (or "_xsrf missing" for
            # writes); 401 says what is wrong: authenticate first.
            if exc.status_code == 403 and self.current_user is None and self.check_host():
                raise self._unauthenticated() from None
            raise
        if self.current_user is None:
            raise self._unauthenticated()
        if len(self.request.query) > MAX_QUERY_BYTES:
            raise HTTPError(
                414,
                f"The query string has {len(self.request.query)} bytes; the ML Studio API "
                f"takes at most {MAX_QUERY_BYTES}. Send long filters in fewer words or "
                "page through the results.",
            )

    def _unauthenticated(self) -> HTTPError:
        return HTTPError(
            401,
            "Authentication required: send the Jupyter server's token "
            "(Authorization: token <token>) or log in.",
        )

    @property
    def studio(self) -> Studio:
        studio: Studio = self.settings["mlstudio.studio"]
        return studio

    @property
    def root_dir(self) -> Path:
        """The file browser's root: request paths are relative to it."""
        return Path(os.path.expanduser(self.settings.get("server_root_dir", "."))).resolve()

    @property
    def data_roots(self) -> list[Path]:
        """Where the REST API may read data: the root and the folders allowed by
        ``c.MLStudio.allowed_data_roots``."""
        allowed: list[Path] = self.settings.get("mlstudio.allowed_data_roots", [])
        return [self.root_dir, *allowed]

    async def call(self, fn: Callable[..., ResultT], *args: Any, **kwargs: Any) -> ResultT:
        """Run blocking core work (database, files) on the extension's thread pool."""
        executor: Executor = self.settings["mlstudio.executor"]
        loop = tornado.ioloop.IOLoop.current()
        return await loop.run_in_executor(executor, functools.partial(fn, *args, **kwargs))

    # -- input -----------------------------------------------------------------------
    def parse_body(self, model: type[ModelT]) -> ModelT:
        raw = self.request.body
        if not raw:
            raise BadRequest("The request needs a JSON body.")
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise BadRequest(f"The request body is not valid JSON: {exc}.") from exc
        if not isinstance(data, dict):
            raise BadRequest("The request body must be a JSON object.")
        return _validate(model, data, where="body")

    def parse_query(self, model: type[ModelT]) -> ModelT:
        data: dict[str, str] = {}
        for key, values in self.request.query_arguments.items():
            if key.isdigit() and values == [b""]:
                continue  # JupyterLab's cache buster: `?…&1732550400000`
            if len(values) != 1:
                raise BadRequest(f"Query parameter {key!r} was given {len(values)} times.")
            data[key] = values[0].decode("utf-8", errors="replace")
        return _validate(model, data, where="query")

    # -- output ----------------------------------------------------------------------
    def write_model(self, model: BaseModel, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(model.model_dump_json())

    def emit_change(self, resource: str, action: str, resource_id: str) -> None:
        logger = self.settings.get("mlstudio.event_logger")
        if logger is not None:
            logger.emit(
                schema_id=EVENT_SCHEMA_ID,
                data={"resource": resource, "action": action, "id": resource_id},
            )

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        code = CODE_BY_STATUS.get(status_code, "INTERNAL" if status_code >= 500 else "ERROR")
        message = (
            HTTPStatus(status_code).phrase
            if status_code in HTTPStatus._value2member_map_
            else "Error"
        )
        exc_info = kwargs.get("exc_info")
        exc = exc_info[1] if exc_info else None
        if isinstance(exc, MLStudioError):
            status_code = STATUS_BY_CODE.get(exc.code, 500)
            self.set_status(status_code)
            code, message = exc.code.value, exc.message
        elif isinstance(exc, BadRequest):
            message = exc.message
        elif _is_nul_error(exc):
            # a backstop: the wire models refuse NUL bytes, but a path built elsewhere
            # (a stored spec, a document) may still carry one to the OS
            self.set_status(400)
            code, message = CODE_BY_STATUS[400], "A path or argument holds a NUL byte."
        elif isinstance(exc, HTTPError):
            message = (
                exc.log_message % exc.args
                if exc.log_message and exc.args
                else (exc.log_message or exc.reason or message)
            )
        elif status_code >= 500:
            message = "Internal server error; the server log has the details."
        if self.get_status() == 401:
            self.set_header("WWW-Authenticate", 'token realm="jupyter"')
        elif self.get_status() == 405:
            self.set_header("Allow", ", ".join(self.allowed_methods()))
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps({"error": {"code": code, "message": message}}))

    def allowed_methods(self) -> list[str]:
        """The methods this resource answers (for the ``Allow`` header of a 405)."""
        base = tornado.web.RequestHandler
        return [
            method
            for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
            if getattr(type(self), method.lower()) is not getattr(base, method.lower())
        ]

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, MLStudioError):
            self.log.info("ML Studio %s: %s", value.code.value, value.message)
            return
        if _is_nul_error(value):
            self.log.info("ML Studio INVALID_ARGUMENT: %s", value)
            return
        super().log_exception(typ, value, tb)


def _validate(model: type[ModelT], data: dict[str, Any], *, where: str) -> ModelT:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        # JSON has one number type: 5.0 is the integer 5 (as JSON Schema says), though
        # strict models refuse the float. Only the integer fields that refused one change.
        if _integral_floats_as_ints(data, exc):
            return _validate(model, data, where=where)
        raise BadRequest(_describe_validation_error(exc, where)) from exc


def _integral_floats_as_ints(data: dict[str, Any], exc: ValidationError) -> bool:
    changed = False
    for err in exc.errors(include_url=False):
        if err["type"] != "int_type":
            continue
        container: Any = None
        key: Any = None
        value: Any = data
        for part in err["loc"]:  # a part that is not in the data names a union member
            if isinstance(value, dict):
                present = part in value
            else:
                present = isinstance(value, list) and isinstance(part, int) and part < len(value)
            if present:
                container, key, value = value, part, value[part]
        if (
            container is not None
            and isinstance(value, float)
            and value.is_integer()
            and abs(value) < 2**63
        ):
            container[key] = int(value)
            changed = True
    return changed


def _describe_validation_error(exc: ValidationError, where: str) -> str:
    problems = []
    for err in exc.errors(include_url=False):
        location = ".".join(str(part) for part in err["loc"]) or where
        problems.append(f"{location}: {err['msg']}")
    return f"Invalid request {where}: " + "; ".join(problems)
