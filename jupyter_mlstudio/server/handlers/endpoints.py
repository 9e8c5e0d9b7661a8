"""``/endpoints``: deploy, update, delete and watch endpoints; and the proxy
``/mlstudio/endpoints/{name}/…`` that forwards a request, with Jupyter's authentication,
to the endpoint's own port (adding its token). Thin: the lifecycle lives in
``endpoints/``."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

from ...api import endpoint_models
from ...api.operations import API_PREFIX
from ...endpoints.entities import EndpointStatus
from ...errors import ConflictError, InvalidArgumentError
from ...paths import under_root
from ...serving.config import DEFAULT_PAYLOAD_LIMIT, too_large_message
from .base import MLStudioHandler

# Inference-Header-Content-Length: the Open Inference Protocol's binary tensor data
FORWARDED_REQUEST_HEADERS = (
    "Content-Type",
    "Accept",
    "X-Target-Variant",
    "X-Amzn-SageMaker-Target-Model",  # a multi-model endpoint's model
    "X-Inference-Id",
    "Inference-Header-Content-Length",
)
FORWARDED_RESPONSE_HEADERS = (
    "Content-Type",
    "X-Invoked-Variant",
    "X-Invoked-Model",
    "X-Inference-Id",
    "Inference-Header-Content-Length",
)
PROXY_TIMEOUT = 120.0


def _settings(body: Any) -> dict[str, Any] | None:
    return None if body is None else body.model_dump(exclude_none=True)


def _async_change(body: endpoint_models.EndpointUpdate) -> dict[str, Any] | bool | None:
    """The settings named (merged into the current ones); an explicit null: off."""
    if body.async_config is not None:
        return body.async_config.model_dump(exclude_unset=True) or True
    return False if "async_config" in body.model_fields_set else None


def _shadow_change(body: endpoint_models.EndpointUpdate) -> dict[str, Any] | bool | None:
    """A new shadow variant; an explicit null removes it (serving/shadow.py)."""
    if body.shadow is not None:
        return body.shadow.model_dump(exclude_none=True)
    return False if "shadow" in body.model_fields_set else None


class _EndpointsBase(MLStudioHandler):
    auth_resource = "mlstudio:endpoints"

    def _write(self, endpoint: Any, status: int = 200) -> None:
        self.write_model(endpoint_models.Endpoint.from_entity(endpoint), status=status)


class EndpointsHandler(_EndpointsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self) -> None:
        query = self.parse_query(endpoint_models.EndpointListQuery)
        page = await self.call(
            self.studio.endpoints.list_endpoints,
            status=query.status,
            max_items=query.max_items,
            next_token=query.next_token,
        )
        self.write_model(
            endpoint_models.EndpointList(
                items=[endpoint_models.Endpoint.from_entity(e) for e in page.items],
                next_token=page.next_token,
            )
        )

    @authorized
    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.parse_body(endpoint_models.EndpointCreate)
        endpoint = await self.call(
            self.studio.endpoints.deploy,
            body.name,
            [v.model_dump(exclude_none=True) for v in body.variants],
            batching=_settings(body.batching),
            capture=_settings(body.capture),
            auth=body.auth,
            max_payload_bytes=body.max_payload_bytes,
            return_probabilities=body.return_probabilities,
            features=body.features,
            trust_code=body.trust_code,
            async_config=_settings(body.async_config),
            shadow=_settings(body.shadow),
            multi_model=_settings(body.multi_model),
            autoscaling=_settings(body.autoscaling),
            scale_to_zero_after=body.scale_to_zero_after,
            preprocess=self._flow_file(body.preprocess),
            preprocess_roots=self.data_roots,
            wait=False,
        )
        self.set_header(
            "Location", f"{self.base_url.rstrip('/')}{API_PREFIX}/endpoints/{body.name}"
        )
        self.emit_change("endpoints", "created", body.name)
        self._write(endpoint, status=202)

    def _flow_file(self, preprocess: Any) -> Path | None:
        """An inference pipeline's .flow file, named relative to the server's root."""
        if preprocess is None:
            return None
        path = under_root(preprocess.flow, self.root_dir)
        if path is None:
            raise InvalidArgumentError(f"{preprocess.flow} is outside the server's root folder.")
        return path


class EndpointHandler(_EndpointsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        self._write(await self.call(self.studio.endpoints.get, name))

    @authorized
    @tornado.web.authenticated
    async def patch(self, name: str) -> None:
        body = self.parse_body(endpoint_models.EndpointUpdate)
        endpoint = await self.call(
            self.studio.endpoints.update,
            name,
            [v.model_dump(exclude_none=True) for v in body.variants]
            if body.variants is not None
            else None,
            weights=body.weights,
            batching=_settings(body.batching),
            capture=_settings(body.capture),
            max_payload_bytes=body.max_payload_bytes,
            return_probabilities=body.return_probabilities,
            features=body.features,
            trust_code=body.trust_code,
            async_config=_async_change(body),
            shadow=_shadow_change(body),
            autoscaling=(  # an explicit null: no autoscaling
                _settings(body.autoscaling)
                if body.autoscaling is not None or "autoscaling" not in body.model_fields_set
                else False
            ),
            scale_to_zero_after=body.scale_to_zero_after,
            wait=False,
        )
        self.emit_change("endpoints", "updated", name)
        self._write(endpoint, status=202)

    @authorized
    @tornado.web.authenticated
    async def delete(self, name: str) -> None:
        service = self.studio.endpoints
        before = await self.call(service.get, name)
        await self.call(service.delete, name, wait=False)
        # described as deleting: with no process to stop, the row may be gone already
        self.emit_change("endpoints", "deleted", name)
        self._write(dataclasses.replace(before, status=EndpointStatus.DELETING), status=202)


class EndpointMetricsHandler(_EndpointsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        metrics = await self.call(self.studio.endpoints.metrics, name)
        self.write_model(endpoint_models.EndpointMetrics.model_validate(metrics))


class EndpointLogHandler(_EndpointsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        query = self.parse_query(endpoint_models.EndpointLogQuery)
        chunk = await self.call(self.studio.endpoints.read_log, name, query.offset)
        self.write_model(
            endpoint_models.EndpointLogChunk(
                text=chunk.text, offset=chunk.offset, next_offset=chunk.next_offset, size=chunk.size
            )
        )


class EndpointErrorsHandler(_EndpointsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        errors = await self.call(self.studio.endpoints.recent_errors, name)
        self.write_model(
            endpoint_models.EndpointErrorList(
                items=[endpoint_models.EndpointError(**e) for e in errors]
            )
        )


class EndpointExampleHandler(_EndpointsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        example = await self.call(self.studio.endpoints.example, name)
        self.write_model(endpoint_models.EndpointExample(**example))


class EndpointProxyHandler(_EndpointsBase):
    """Any request under ``/mlstudio/endpoints/{name}/`` goes to the endpoint's port:
    the browser and notebooks reach an endpoint with Jupyter's login, never its token."""

    async def _forward(self, name: str, path: str) -> None:
        endpoint = await self.call(self.studio.endpoints.get, name)
        if endpoint.status not in (EndpointStatus.IN_SERVICE, EndpointStatus.UPDATING) or not (
            endpoint.port
        ):
            raise ConflictError(
                f"Endpoint {name!r} is {endpoint.status.value}; it serves once InService."
            )
        body = self.request.body if self.request.method == "POST" else None
        limit = int(endpoint.config.get("max_payload_bytes", DEFAULT_PAYLOAD_LIMIT))
        if body is not None and len(body) > limit:  # the endpoint's answer, without the trip
            raise tornado.web.HTTPError(413, "%s", too_large_message(len(body), limit))
        headers = {
            key: value
            for key in FORWARDED_REQUEST_HEADERS
            if (value := self.request.headers.get(key)) is not None
        }
        if endpoint.token:
            headers["Authorization"] = f"Bearer {endpoint.token}"
        query = f"?{self.request.query}" if self.request.query else ""
        request = HTTPRequest(
            f"http://127.0.0.1:{endpoint.port}/{path}{query}",
            method=self.request.method or "GET",
            headers=headers,
            body=body,
            request_timeout=PROXY_TIMEOUT,
            follow_redirects=False,
        )
        try:
            response = await AsyncHTTPClient().fetch(request, raise_error=False)
        except (OSError, HTTPClientError) as exc:
            raise tornado.web.HTTPError(
                502, f"Endpoint {name!r} did not answer ({exc}); see its log."
            ) from None
        if response.code == 599:  # tornado's "no response": connection refused, timeout
            raise tornado.web.HTTPError(
                502, f"Endpoint {name!r} did not answer ({response.error}); see its log."
            )
        self.set_status(response.code)
        for key in FORWARDED_RESPONSE_HEADERS:
            value = response.headers.get(key)
            if value is not None:
                self.set_header(key, value)
        # APIHandler.finish sets its own Content-Type unless told: the endpoint's (CSV,
        # binary tensors) passes through
        content_type = response.headers.get("Content-Type", "application/json")
        self.finish(response.body or b"", set_content_type=content_type)

    @authorized
    @tornado.web.authenticated
    async def get(self, name: str, path: str) -> None:
        await self._forward(name, path)

    @authorized
    @tornado.web.authenticated
    async def post(self, name: str, path: str) -> None:
        await self._forward(name, path)
