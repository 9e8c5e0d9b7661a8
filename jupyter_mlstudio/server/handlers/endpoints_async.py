"""``/endpoints/{name}/async-invocations``: queue an asynchronous request (202 at once)
and read its status and output. Thin: the queue lives in ``endpoints/async_inference.py``
and the endpoint's own process does the work."""

from __future__ import annotations

from pathlib import Path

import tornado.web
from jupyter_server.auth.decorator import authorized

from ...api import async_models
from ...endpoints.async_inference import AsyncStatus, read_location
from ...errors import NotFoundError
from .base import BadRequest, MLStudioHandler


class _AsyncBase(MLStudioHandler):
    auth_resource = "mlstudio:endpoints"


class AsyncInvocationsHandler(_AsyncBase):
    @authorized
    @tornado.web.authenticated
    async def post(self, name: str) -> None:
        query = self.parse_query(async_models.AsyncInvokeQuery)
        content_type = self.request.headers.get("Content-Type", "application/json")
        accept = self.request.headers.get("Accept")
        if accept in ("*/*", ""):
            accept = None
        if query.input_location is not None:
            if self.request.body:
                raise BadRequest("Give either a request body or input_location, not both.")
            request = await self.call(
                self.studio.endpoints.invoke_async,
                name,
                input_location=self._location(query.input_location),
                content_type=content_type,
                accept=accept,
            )
        else:
            if not self.request.body:
                raise BadRequest("The request needs a body (the payload) or ?input_location=.")
            request = await self.call(
                self.studio.endpoints.invoke_async,
                name,
                payload=self.request.body,
                content_type=content_type,
                accept=accept,
            )
        self.write_model(async_models.AsyncInference.from_entity(request), status=202)

    def _location(self, location: str) -> str:
        """A URL as given; a path only under the server's data roots."""
        if "://" in location and not location.startswith("file://"):
            return location
        raw = location.removeprefix("file://")
        path = Path(raw) if Path(raw).is_absolute() else self.root_dir / raw
        try:
            path = path.resolve()
        except (ValueError, OSError) as exc:  # e.g. a NUL byte
            raise BadRequest(f"input_location {location!r} is not a usable path: {exc}") from None
        if not any(path.is_relative_to(root.resolve()) for root in self.data_roots):
            raise BadRequest(f"input_location {location!r} is outside the allowed data roots.")
        return path.as_uri()

    @authorized
    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        query = self.parse_query(async_models.AsyncListQuery)
        items = await self.call(self.studio.endpoints.list_async, name, query.max_items)
        self.write_model(
            async_models.AsyncInferenceList(
                items=[async_models.AsyncInference.from_entity(r) for r in items]
            )
        )


class AsyncInvocationHandler(_AsyncBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, name: str, inference_id: str) -> None:
        request = await self.call(self.studio.endpoints.get_async, name, inference_id)
        self.write_model(async_models.AsyncInference.from_entity(request))


class AsyncOutputHandler(_AsyncBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, name: str, inference_id: str) -> None:
        """The output of a completed request (or the error file of a failed one)."""
        request = await self.call(self.studio.endpoints.get_async, name, inference_id)
        if request.status is AsyncStatus.COMPLETED:
            location = request.output_location
        elif request.status is AsyncStatus.FAILED:
            location = request.failure_location
        else:
            raise NotFoundError(f"Async request {inference_id} is {request.status.value}.")
        body = await self.call(read_location, location)
        self.set_header("Content-Type", "application/octet-stream")
        self.set_header("Content-Disposition", f'attachment; filename="{Path(location).name}"')
        self.finish(body)
