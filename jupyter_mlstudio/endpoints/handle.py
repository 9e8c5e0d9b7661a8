"""``EndpointHandle``: what ``mls.deploy`` returns: predict, update, metrics, delete."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from ..errors import MLStudioError
from .entities import Endpoint, EndpointStatus

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from .async_inference import AsyncRequest
    from .service import EndpointService


def capture_settings(capture: bool | float | Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``capture=True`` (every request), a sampling percentage, or the full settings."""
    if capture is None:
        return None
    if isinstance(capture, bool):
        return {"enabled": capture}
    if isinstance(capture, int | float):
        return {"enabled": True, "sampling_percent": float(capture)}
    return dict(capture)


class EndpointHandle:
    def __init__(self, service: EndpointService, endpoint: Endpoint) -> None:
        self._service = service
        self._endpoint = endpoint

    # -- facts ---------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._endpoint.name

    @property
    def status(self) -> str:
        return self._endpoint.status.value

    @property
    def url(self) -> str | None:
        """The endpoint's own address (send ``Authorization: Bearer <token>``)."""
        return self._endpoint.url

    @property
    def token(self) -> str | None:
        return self._endpoint.token

    @property
    def variants(self) -> list[dict[str, Any]]:
        return [v.to_dict() for v in self._endpoint.variants]

    @property
    def features(self) -> list[str]:
        """The online features it looks up (``group@version:feature``), if any."""
        return list(self._endpoint.config.get("features") or [])

    @property
    def autoscaling(self) -> dict[str, Any]:
        """Each autoscaled variant's policy by name, and the live state (instances,
        instance count over time, scale to zero, cold starts) while it serves."""
        policies = {
            v["name"]: v["autoscaling"]
            for v in self._endpoint.config.get("variants", [])
            if v.get("autoscaling")
        }
        state: dict[str, Any] | None = None
        with contextlib.suppress(MLStudioError):
            state = self._service.metrics(self.name).get("autoscaling")
        return {
            "policies": policies,
            "scale_to_zero_after": self._endpoint.config.get("scale_to_zero_after"),
            "state": state,
        }

    @property
    def shadow(self) -> dict[str, Any] | None:
        """Its shadow variant (model, pinned version, sampling), if any."""
        shadow = self._endpoint.config.get("shadow")
        return dict(shadow) if shadow else None

    @property
    def async_config(self) -> dict[str, Any] | None:
        """Its asynchronous inference settings (``None``: none), the secret redacted."""
        from .async_inference import shown_async_config

        return shown_async_config(self._endpoint.config.get("async_config"))

    @property
    def stages(self) -> list[dict[str, Any]]:
        """What a request goes through: an inference pipeline's flow (name, steps, the raw
        columns it takes, the columns it makes), then each variant's model."""
        from ..serving.inference_pipeline import stages

        return stages(self._endpoint.config)

    @property
    def failure_reason(self) -> str | None:
        return self._endpoint.failure_reason

    @property
    def endpoint(self) -> Endpoint:
        return self._endpoint

    def refresh(self) -> EndpointHandle:
        self._endpoint = self._service.get(self.name)
        return self

    def __repr__(self) -> str:
        variants = ", ".join(
            f"{v.name}={v.model}:{v.version} ({v.weight:g})" for v in self._endpoint.variants
        )
        return f"<Endpoint {self.name} {self.status} {self.url or ''} [{variants}]>"

    # -- using it -------------------------------------------------------------------------
    def predict(self, data: Any, *, variant: str | None = None) -> np.ndarray[Any, Any]:
        """Predictions for a DataFrame, a dict, a list of dicts or rows, or an array."""
        import numpy as np

        return np.asarray(self._service.predict(self.name, data, variant=variant))

    def predict_proba(self, data: Any, *, variant: str | None = None) -> pd.DataFrame:
        """Class probabilities for ``data``, one column per class (an endpoint deployed
        with ``return_probabilities=True``)."""
        import pandas as pd

        answer = self._service.invoke(self.name, data, variant=variant)
        if "probabilities" not in answer:
            raise ValueError(
                f"Endpoint {self.name!r} does not return probabilities: deploy (or update) "
                "it with return_probabilities=True."
            )
        return pd.DataFrame(answer["probabilities"], columns=answer["classes"])

    def predict_async(
        self, data: Any, *, content_type: str | None = None, accept: str | None = None
    ) -> AsyncInference:
        """Queue ``data`` for asynchronous inference (an endpoint deployed with
        ``async_config``): bytes are sent as they are (``content_type``, default JSON); a
        ``pathlib.Path`` or a URL string (``file://``, ``s3://``...) is read by the
        endpoint from there; anything else is sent as JSON like :meth:`predict`'s."""
        import json
        from pathlib import Path

        from .service import payload_of

        if isinstance(data, Path) or (isinstance(data, str) and "://" in data):
            location = data.resolve().as_uri() if isinstance(data, Path) else data
            request = self._service.invoke_async(
                self.name,
                input_location=location,
                content_type=content_type or "application/json",
                accept=accept,
            )
        else:
            payload = data if isinstance(data, bytes) else json.dumps(payload_of(data)).encode()
            request = self._service.invoke_async(
                self.name,
                payload=payload,
                content_type=content_type or "application/json",
                accept=accept,
            )
        return AsyncInference(self._service, request)

    def async_requests(self, limit: int = 100) -> list[AsyncInference]:
        """Recent asynchronous requests of this endpoint, newest first."""
        return [
            AsyncInference(self._service, r) for r in self._service.list_async(self.name, limit)
        ]

    def models(self) -> list[dict[str, Any]]:
        """A multi-model endpoint's models (endpoints/multi_model.py): one dict per model
        version it served (``model``, ``version``, ``loaded``, ``bytes``, ``loads``,
        ``evictions``, ``requests``, ``errors``, ``latency_ms`` ...) and per allowed model
        not served yet (``version`` None)."""
        found: list[dict[str, Any]] = self._service.models(self.name)["models"]
        return found

    def add_models(self, models: Sequence[str]) -> list[str]:
        """Allow more registered models on this multi-model endpoint, without
        redeploying; the allowed models after."""
        return self._service.add_models(self.name, models)

    def predict_model(self, model: str, data: Any) -> np.ndarray[Any, Any]:
        """Predictions of one model of a multi-model endpoint (``"churn/3"``,
        ``"churn@champion"`` or ``"churn"``: the newest), loaded on first use."""
        import numpy as np

        predictions = self._service.invoke(self.name, data, target_model=model)["predictions"]
        return np.asarray(predictions)

    def metrics(self) -> dict[str, Any]:
        """Live per-variant requests, errors, latency percentiles and batch sizes."""
        return self._service.metrics(self.name)

    def logs(self) -> str:
        return self._service.read_log(self.name).text

    # -- changing it ------------------------------------------------------------------------
    def update(
        self,
        *,
        version: int | None = None,
        alias: str | None = None,
        model: str | None = None,
        instances: int | None = None,
        variants: Sequence[Mapping[str, Any]] | None = None,
        weights: Mapping[str, float] | None = None,
        batching: Mapping[str, Any] | None = None,
        capture: bool | float | Mapping[str, Any] | None = None,
        max_payload_bytes: int | None = None,
        return_probabilities: bool | None = None,
        features: Sequence[str] | None = None,
        trust_code: bool = False,
        async_config: Mapping[str, Any] | bool | None = None,
        shadow: Mapping[str, Any] | bool | None = None,
        autoscaling: Mapping[str, Any] | bool | None = None,
        scale_to_zero_after: float | None = None,
        wait: bool = True,
        timeout: float | None = None,
    ) -> EndpointHandle:
        """Rolling update with no dropped request: a new version (or alias) of a
        one-variant endpoint, new ``variants``, ``weights`` by variant name, batching or
        capture settings, or a new body limit (``max_payload_bytes``). ``trust_code``:
        the new version's inference code may run (see ``mls.deploy``). ``async_config``:
        asynchronous inference settings merged into the current ones (``False``: off)."""
        if variants is None and (version, alias, model, instances) != (None, None, None, None):
            if len(self._endpoint.variants) != 1:
                raise ValueError(
                    "This endpoint has several variants: give variants=[...] or weights={...}."
                )
            current = self._endpoint.variants[0]
            variants = [
                {
                    "name": current.name,
                    "model": model or current.model,
                    "version": version if alias is None else None,
                    "alias": alias,
                    "weight": current.weight,
                    "instances": instances or current.instances,
                }
            ]
        self._endpoint = self._service.update(
            self.name,
            variants,
            weights=weights,
            batching=batching,
            capture=capture_settings(capture),
            max_payload_bytes=max_payload_bytes,
            return_probabilities=return_probabilities,
            features=features,
            trust_code=trust_code,
            async_config=async_config,
            shadow=shadow,
            autoscaling=autoscaling,
            scale_to_zero_after=scale_to_zero_after,
            wait=wait,
            timeout=timeout,
        )
        self._raise_if_failed()
        return self

    def shadow_comparison(self) -> dict[str, Any]:
        """The shadow's answers against production's on the same requests: agreement
        (or absolute differences), confusion, latency and errors of each (see
        ``serving.shadow.compare``)."""
        return self._service.shadow_compare(self.name)

    def promote_shadow(
        self, *, replace: str | None = None, wait: bool = True, timeout: float | None = None
    ) -> EndpointHandle:
        """Make the shadow the production variant (in place of ``replace``, default the
        only one, which is removed) with a rolling update: no request is dropped."""
        self._endpoint = self._service.promote_shadow(
            self.name, replace=replace, wait=wait, timeout=timeout
        )
        self._raise_if_failed()
        return self

    def delete(self) -> None:
        """Stop the endpoint (in-flight requests finish) and forget it."""
        self._service.delete(self.name)

    def _raise_if_failed(self) -> None:
        from ..errors import ConflictError

        endpoint = self._endpoint
        if endpoint.status is EndpointStatus.FAILED or (
            endpoint.status is EndpointStatus.IN_SERVICE
            and (endpoint.failure_reason or "").startswith("Update failed")
        ):
            raise ConflictError(f"Endpoint {self.name!r}: {endpoint.failure_reason}")


class AsyncInferenceError(RuntimeError):
    """An asynchronous request failed: the model's (or the endpoint's) error."""


class AsyncInference:
    """One asynchronous request (``endpoint.predict_async``): ``status``, ``result()``."""

    def __init__(self, service: EndpointService, request: AsyncRequest) -> None:
        self._service = service
        self._request = request

    @property
    def inference_id(self) -> str:
        return self._request.id

    @property
    def output_location(self) -> str:
        return self._request.output_location

    @property
    def failure_location(self) -> str:
        return self._request.failure_location

    @property
    def request(self) -> AsyncRequest:
        return self._request

    @property
    def status(self) -> str:
        """Queued, InProgress, Completed or Failed (read from the store each time)."""
        self._request = self._service.get_async(self._request.endpoint, self._request.id)
        return self._request.status.value

    def __repr__(self) -> str:
        return f"<AsyncInference {self.inference_id} {self._request.status.value}>"

    def result(self, timeout: float | None = None, *, raw: bool = False) -> Any:
        """Wait for the output: the endpoint's JSON answer parsed (``raw=True``: the
        bytes). Raises :class:`AsyncInferenceError` with the error if it failed, and
        ``TimeoutError`` after ``timeout`` seconds."""
        import json
        import time

        from .async_inference import read_location

        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            status = self.status
            if status == "Completed":
                body = read_location(self._request.output_location)
                return body if raw else json.loads(body)
            if status == "Failed":
                raise AsyncInferenceError(
                    f"Async request {self.inference_id} failed: {self._request.error}"
                )
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"Async request {self.inference_id} is still {status}.")
            time.sleep(0.1)


class DeployOptions(TypedDict, total=False):
    """The serving options of ``deploy`` that other deploy calls (a tuning job's
    ``deploy_best``) pass on unchanged."""

    instances: int
    batching: Mapping[str, Any] | None
    capture: bool | float | Mapping[str, Any] | None
    auth: bool
    max_payload_bytes: int | None
    return_probabilities: bool
    features: Sequence[str] | None
    wait: bool
    timeout: float | None


def deploy_on(
    service: EndpointService,
    name: str,
    version: int | None = None,
    *,
    alias: str | None = None,
    model: str | None = None,
    instances: int = 1,
    variants: Sequence[Mapping[str, Any]] | None = None,
    batching: Mapping[str, Any] | None = None,
    capture: bool | float | Mapping[str, Any] | None = None,
    auth: bool = True,
    max_payload_bytes: int | None = None,
    return_probabilities: bool = False,
    features: Sequence[str] | None = None,
    trust_code: bool = False,
    async_config: Mapping[str, Any] | None = None,
    multi_model: Mapping[str, Any] | bool | None = None,
    models: Sequence[str] | None = None,
    shadow: Mapping[str, Any] | None = None,
    autoscaling: Mapping[str, Any] | None = None,
    scale_to_zero_after: float | None = None,
    preprocess: str | os.PathLike[str] | None = None,
    wait: bool = True,
    timeout: float | None = None,
) -> EndpointHandle:
    """``mls.deploy`` on a given endpoint service (what handles holding their studio
    call, e.g. a tuning job's ``deploy_best``): an :class:`EndpointHandle`, raising
    if the endpoint failed to start."""
    endpoint = service.deploy(
        name,
        variants,
        model=None if variants is not None else (model or (models[0] if models else name)),
        multi_model=multi_model,
        models=models,
        version=version,
        alias=alias,
        instances=instances,
        batching=batching,
        capture=capture_settings(capture),
        auth=auth,
        max_payload_bytes=max_payload_bytes,
        return_probabilities=return_probabilities,
        features=features,
        trust_code=trust_code,
        async_config=async_config,
        shadow=shadow,
        autoscaling=autoscaling,
        scale_to_zero_after=scale_to_zero_after,
        preprocess=preprocess,
        wait=wait,
        timeout=timeout,
    )
    handle = EndpointHandle(service, endpoint)
    if wait:
        handle._raise_if_failed()
    return handle
