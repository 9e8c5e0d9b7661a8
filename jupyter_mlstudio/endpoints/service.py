"""The endpoint lifecycle around the serving process.

``deploy`` records the endpoint (``Creating``, versions pinned, so the registry never
deletes them from under it), starts ``python -m jupyter_mlstudio.serving`` in the
endpoint's folder (``<home>/endpoints/<name>``) and marks it ``InService`` once every
worker serves, or ``Failed`` with the reason. The process runs by itself, in its own
process group, until the endpoint is deleted; the row says where (host, port, pid).

``update`` is a rolling update (``Updating``): the new config is written and the process
is sent SIGHUP; it starts new workers, switches to them and drains the old ones, so no
request is dropped (see :mod:`jupyter_mlstudio.serving.supervisor`). A failed update
leaves the previous version serving (``InService`` with the failure reason).

``reconcile`` is what the Jupyter server runs at start and then periodically: an
endpoint that should serve but whose process is gone (a reboot, a crash, the server
stopping it on exit) is started again, on its old port when that is free; a
transitional status whose driving process died is finished.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import IO, TYPE_CHECKING, Any

from pydantic import ValidationError

from ..artifacts import ArtifactRepository, LogChunk
from ..config import ARTIFACT_URI_ENV, HOME_ENV, STORE_URI_ENV
from ..errors import (
    AlreadyExistsError,
    ConflictError,
    ErrorCode,
    InvalidArgumentError,
    MLStudioError,
    NotFoundError,
    validation_message,
)
from ..processes import pid_alive, process_command_line, process_running, this_host
from ..registry.service import require_code_trust
from ..serving.autoscaling import keep_policies, read_state, with_autoscaling
from ..serving.config import EndpointConfig
from ..serving.process import (
    EndpointProcess,
    EndpointStartError,
    read_ready_file,
    ready_path,
    update_endpoint,
)
from ..serving.shadow import (
    check_shadow,
    compare,
    promoted,
    read_shadow_capture,
    shadow_destination,
    shadow_settings,
)
from ..store.pagination import Page
from .async_inference import AsyncInferenceQueue, AsyncRequest, merged_async_config
from .entities import TRANSITIONAL, DeployedVariant, Endpoint, EndpointStatus
from .multi_model import (
    add_models,
    check_models,
    default_model,
    endpoint_models,
    multi_model_settings,
)
from .store import EndpointStore

if TYPE_CHECKING:
    from ..config import StudioConfig
    from ..features.service import FeatureStore
    from ..registry.service import Registry

MAX_LOG_CHUNK = 256 * 1024
_FAILED_REQUEST = re.compile(
    r"request failed: (?P<status>\d{3}) (?P<method>\S+) (?P<path>\S+): (?P<message>.*)$"
)
STOP_GRACE = 10.0  # after the drain time, before SIGKILL


class EndpointRequestError(MLStudioError):
    """The endpoint answered with an error status; ``status`` and the server's message."""

    code = ErrorCode.UNAVAILABLE

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _validated(data: Mapping[str, Any]) -> EndpointConfig:
    try:
        return EndpointConfig.model_validate(data)
    except ValidationError as exc:
        raise InvalidArgumentError(f"Invalid endpoint: {validation_message(exc)}") from None


def public_config(config: EndpointConfig) -> dict[str, Any]:
    """The config as stored and shown: no token, no per-process file paths."""
    return config.model_dump(mode="json", exclude={"token", "ready_file"})


class EndpointService:
    def __init__(
        self,
        store: EndpointStore,
        registry: Registry,
        config: StudioConfig,
        *,
        features: Callable[[], FeatureStore] | None = None,
    ) -> None:
        self.store = store
        self._registry = registry
        self._config = config
        self._features = features  # the Feature Store, for endpoints that look features up
        self.changed_since = store.changed_since
        self._operations: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()

    # -- places -----------------------------------------------------------------------
    def folder(self, name: str) -> Path:
        return self._config.home / "endpoints" / name

    def _child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        config = self._config
        env[HOME_ENV] = str(config.home)
        env[STORE_URI_ENV] = config.store_uri
        env[ARTIFACT_URI_ENV] = config.artifact_uri
        return env

    # -- reading ------------------------------------------------------------------------
    def get(self, name: str) -> Endpoint:
        return self.store.get(name)

    def list_endpoints(self, **filters: Any) -> Page[Endpoint]:
        return self.store.list_endpoints(**filters)

    # -- deploy -------------------------------------------------------------------------
    def deploy(
        self,
        name: str,
        variants: Sequence[Mapping[str, Any]] | None = None,
        *,
        model: str | None = None,
        version: int | None = None,
        alias: str | None = None,
        instances: int = 1,
        batching: Mapping[str, Any] | None = None,
        capture: Mapping[str, Any] | None = None,
        auth: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
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
        preprocess_roots: Sequence[Path] | None = None,
        wait: bool = True,
        timeout: float | None = None,
    ) -> Endpoint:
        """Deploy registered model versions as endpoint ``name``: either ``variants``
        (dicts with model, version or alias, weight, instances, name) or one ``model``.
        ``max_payload_bytes``: the largest request body it takes (default 6 MiB; larger
        ones get a 413). ``return_probabilities``: classifiers answer ``predict_proba``'s
        rows and their ``classes`` with the predictions (refused for a model without
        ``predict_proba``). ``features``: online features looked up by the record ids
        in each request (``["customers:age", "orders:*"]``; see ``serving/features.py``),
        their group versions pinned now. ``trust_code``: the versions' inference code
        (SageMaker handlers) may run; without it (here, in a variant or at register)
        deploying such a version is refused. ``autoscaling``: the target-tracking policy of
        every variant without its own, ``scale_to_zero_after``: seconds idle before every
        worker stops (see ``serving/autoscaling.py``). ``preprocess``: a ``.flow`` file whose
        fitted scikit-learn export runs on the raw rows before the models (an inference
        pipeline, ``serving/inference_pipeline.py``; its sources confined to
        ``preprocess_roots`` when given)."""
        # a multi-model endpoint: models=[names] or multi_model=True|{...} (multi_model.py)
        many = multi_model_settings(multi_model, models)
        if many is not None and many.get("models"):
            check_models(self._registry, many["models"])
            if variants is None and model is None:
                model = default_model(many)
        if variants is None:
            if model is None:
                raise InvalidArgumentError("Name the model to deploy (or give variants).")
            variants = [
                {
                    "name": "primary",
                    "model": model,
                    "version": version,
                    "alias": alias,
                    "instances": instances,
                }
            ]
        elif model is not None:
            raise InvalidArgumentError("Give either model= or variants=, not both.")
        config = _validated(
            {
                "name": name,
                "host": host,
                "port": port,
                "token": secrets.token_urlsafe(24) if auth else None,
                "variants": [
                    {**v, "trust_code": True} if trust_code else v
                    for v in with_autoscaling(variants, autoscaling)
                ],
                "batching": dict(batching or {}),
                "capture": dict(capture or {}),
                "return_probabilities": return_probabilities,
                "features": self._pinned_features(features),
                "scale_to_zero_after": scale_to_zero_after,
                **({} if max_payload_bytes is None else {"max_payload_bytes": max_payload_bytes}),
                **({} if async_config is None else {"async_config": dict(async_config)}),
                **({} if many is None else {"multi_model": many}),
                **(
                    {}
                    if shadow is None
                    else {"shadow": _shadow(shadow, trust_code, variants[0].get("model"))}
                ),
            }
        )
        config, pinned = self._pin(config)
        if preprocess is not None:  # fitted once, here: every worker serves the same file
            from ..serving.inference_pipeline import build_preprocess, pipeline_models

            with contextlib.suppress(NotFoundError):  # no fitting for a name already taken
                self.store.get(name)
                raise AlreadyExistsError(f"An endpoint named {name!r} already exists.")
            stage = build_preprocess(
                preprocess,
                pipeline_models(config, self._registry),
                artifact_uri=self._config.artifact_uri,
                endpoint=name,
                roots=preprocess_roots,
            )
            config = config.model_copy(update={"preprocess": stage})
        endpoint = self.store.create(
            name,
            config=public_config(config),
            token=config.token,
            host=this_host(),
            owner_pid=os.getpid(),
        )
        self.store.set(name, variants=pinned)
        self._run(name, self._create, name, config)
        return self._finish(name, wait, timeout) if wait else endpoint

    def _pinned_features(self, refs: Sequence[str] | None) -> list[str]:
        """Feature references with their group versions resolved and checked."""
        if refs is None:
            return []
        if isinstance(refs, str):
            raise InvalidArgumentError(
                "features is a list of references, e.g. ['customers:age', 'orders:*']."
            )
        if not refs:
            return []
        if self._features is None:
            raise InvalidArgumentError("This studio has no Feature Store to look features up in.")
        from ..serving.features import pin_features

        return pin_features(list(refs), self._features().get_group)

    def _pin(self, config: EndpointConfig) -> tuple[EndpointConfig, list[DeployedVariant]]:
        """Every variant's version resolved now (aliases, newest), so a missing model is a
        clear error at deploy and the endpoint serves what it says."""
        # here, not at the top: the handlers module imports numpy, which `import
        # jupyter_mlstudio` must not load (tests/core/test_package_import.py)
        from ..serving.inference_code import INFERENCE_CODE_TAG

        variants, pinned = [], []
        for variant in config.variants:
            found = self._registry.get_version(variant.model, variant.version, variant.alias)
            if INFERENCE_CODE_TAG in found.tags:  # served through the script's handlers
                require_code_trust(found, variant.trust_code)
                what = f"{variant.model} version {found.version} runs inference code: "
                if config.return_probabilities:
                    raise InvalidArgumentError(
                        what + "return_probabilities is not available (its output_fn "
                        "decides what it answers)."
                    )
                if config.features:
                    raise InvalidArgumentError(
                        what + "online feature lookup is not available (its input_fn "
                        "decodes the request)."
                    )
            elif config.return_probabilities:  # refused now, not by a failing worker
                from ..serving.variants import probability_classes

                model = self._registry.load(
                    variant.model, found.version, trusted=variant.trusted or None
                )
                probability_classes(model, f"Model {variant.model!r} version {found.version}")
            variants.append(variant.model_copy(update={"version": found.version, "alias": None}))
            pinned.append(
                DeployedVariant(
                    variant.name, variant.model, found.version, variant.weight, variant.instances
                )
            )
        shadow = config.shadow
        if shadow is not None:  # pinned and trust-checked like a variant (serving/shadow.py)
            check_shadow(config)
            found = self._registry.get_version(shadow.model, shadow.version, shadow.alias)
            if INFERENCE_CODE_TAG in found.tags:
                require_code_trust(found, shadow.trust_code)
            shadow = shadow.model_copy(update={"version": found.version, "alias": None})
        config = config.model_copy(update={"variants": variants, "shadow": shadow})
        if config.preprocess is not None:  # the models must take what the flow makes
            from ..serving.inference_pipeline import check_pipeline

            check_pipeline(config, self._registry)
        return config, pinned

    def _full_config(self, endpoint: Endpoint, **changes: Any) -> EndpointConfig:
        data = {**endpoint.config, "token": endpoint.token, **changes}
        return _validated(data)

    def _create(self, name: str, config: EndpointConfig) -> None:
        process = EndpointProcess(config, workdir=self.folder(name), env=self._child_env())
        try:
            # the pid is recorded while the endpoint is still Creating: if this server dies
            # before the process is ready, the next one adopts that process (reconcile)
            # instead of starting a second one beside it
            process.start(on_started=lambda pid: self.store.set(name, pid=pid))
        except EndpointStartError as exc:
            if config.port and "in use" in exc.message.lower():  # the old port is taken
                self._create(name, config.model_copy(update={"port": 0}))
                return
            self.store.set(
                name,
                status=EndpointStatus.FAILED,
                failure_reason=exc.message,
                pid=None,
                url=None,
                owner_pid=None,
            )
            return
        info = process.detach()
        self.store.set(
            name,
            status=EndpointStatus.IN_SERVICE,
            url=info["url"],
            port=int(info["port"]),
            pid=int(info["pid"]),
            generation=int(info.get("generation", 1)),
            failure_reason=None,
            owner_pid=None,
        )

    # -- update -------------------------------------------------------------------------
    def update(
        self,
        name: str,
        variants: Sequence[Mapping[str, Any]] | None = None,
        *,
        weights: Mapping[str, float] | None = None,
        batching: Mapping[str, Any] | None = None,
        capture: Mapping[str, Any] | None = None,
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
    ) -> Endpoint:
        """Roll the endpoint over to new variants (versions, weights, instances), new
        batching, capture settings or body limit, with no request dropped.
        ``trust_code``: the new variants' inference code may run (a new version's code
        is trusted anew: the trust given at deploy was for the code then served).
        ``async_config``: new asynchronous inference settings (merged into the current
        ones; ``False`` turns it off, see ``async_inference.merged_async_config``)."""
        endpoint = self.store.get(name)
        changes: dict[str, Any] = {}
        if variants is not None:
            changes["variants"] = [
                {**dict(v), "trust_code": True} if trust_code else dict(v)
                for v in keep_policies(variants, endpoint.config["variants"])
            ]
        if weights is not None:
            current = {
                v["name"]: dict(v) for v in changes.get("variants", endpoint.config["variants"])
            }
            unknown = sorted(set(weights) - set(current))
            if unknown:
                raise InvalidArgumentError(
                    f"Endpoint {name!r} has no variant {', '.join(map(repr, unknown))}; "
                    f"it has {', '.join(map(repr, current))}."
                )
            for variant_name, weight in weights.items():
                current[variant_name]["weight"] = weight
            changes["variants"] = list(current.values())
        if batching is not None:
            changes["batching"] = {**endpoint.config.get("batching", {}), **batching}
        if capture is not None:
            changes["capture"] = {**endpoint.config.get("capture", {}), **capture}
        if max_payload_bytes is not None:
            changes["max_payload_bytes"] = max_payload_bytes
        if return_probabilities is not None:
            changes["return_probabilities"] = return_probabilities
        if features is not None:  # [] stops looking features up
            changes["features"] = self._pinned_features(features)
        if async_config is not None:
            changes["async_config"] = merged_async_config(
                endpoint.config.get("async_config"), async_config
            )
        if shadow is not None:  # a new shadow variant; False removes it (serving/shadow.py)
            model = endpoint.config["variants"][0]["model"]
            changes["shadow"] = None if shadow is False else _shadow(shadow, trust_code, model)
        if autoscaling is not None:  # merged into each variant's policy; False: none
            changes["variants"] = with_autoscaling(
                changes.get("variants", endpoint.config["variants"]), autoscaling, merge=True
            )
        if scale_to_zero_after is not None:  # 0: never
            changes["scale_to_zero_after"] = scale_to_zero_after or None
        if not changes:
            raise InvalidArgumentError(
                "Nothing to update: give variants, weights, batching, capture, "
                "max_payload_bytes, return_probabilities, features or async_config."
            )
        config, pinned = self._pin(self._full_config(endpoint, **changes))
        if endpoint.status is not EndpointStatus.IN_SERVICE or endpoint.pid is None:
            raise ConflictError(
                f"Endpoint {name!r} is {endpoint.status.value}; only an endpoint in service "
                "can be updated."
            )
        self.store.set(
            name,
            status=EndpointStatus.UPDATING,
            expect=[EndpointStatus.IN_SERVICE],
            owner_pid=os.getpid(),
        )
        self._run(name, self._update, name, endpoint, config, pinned)
        return self._finish(name, wait, timeout) if wait else self.store.get(name)

    def _update(
        self,
        name: str,
        before: Endpoint,
        config: EndpointConfig,
        pinned: list[DeployedVariant],
    ) -> None:
        assert before.pid is not None
        folder = self.folder(name)
        serving = config.model_copy(update={"port": before.port or 0})
        try:
            info = update_endpoint(folder, before.pid, serving)
        except EndpointStartError as exc:
            with contextlib.suppress(OSError):  # the file says what serves
                self._full_config(before).model_copy(update={"port": before.port or 0}).save(
                    folder / "endpoint.json"
                )
            alive = self._serving(before)
            self.store.set(
                name,
                status=EndpointStatus.IN_SERVICE if alive else EndpointStatus.FAILED,
                failure_reason=f"Update failed: {exc.message}",
                owner_pid=None,
            )
            return
        self.store.set(
            name,
            status=EndpointStatus.IN_SERVICE,
            config=public_config(config),
            variants=pinned,
            generation=int(info.get("generation", before.generation + 1)),
            failure_reason=None,
            owner_pid=None,
        )

    # -- shadow variants (serving/shadow.py) -----------------------------------------------
    def shadow_compare(self, name: str) -> dict[str, Any]:
        """The shadow's answers against production's on the same requests (see
        ``serving.shadow.compare``) and the shadow's live figures while it serves;
        ``shadow`` is null when the endpoint has none."""
        endpoint = self.store.get(name)
        config = _validated({**endpoint.config, "token": None})
        result: dict[str, Any] = {
            "endpoint": name,
            "shadow": config.shadow.model_dump(mode="json") if config.shadow else None,
            "production": [v.name for v in config.variants],
            "comparison": None,
            "live": None,
        }
        if config.shadow is None:
            return result
        destination = shadow_destination(self._config.artifact_uri, name)
        result["comparison"] = compare(read_shadow_capture(destination), config.shadow)
        if endpoint.status is EndpointStatus.IN_SERVICE:
            with contextlib.suppress(MLStudioError, ValueError):
                result["live"] = self.metrics(name).get("shadow")
        return result

    def promote_shadow(
        self,
        name: str,
        *,
        replace: str | None = None,
        wait: bool = True,
        timeout: float | None = None,
    ) -> Endpoint:
        """The shadow becomes the production variant in place of ``replace`` (default:
        the only one), which is removed (SageMaker's promotion), through a rolling
        update: no request is dropped."""
        config = _validated({**self.store.get(name).config, "token": None})
        variants = promoted(config, replace)
        return self.update(name, variants, shadow=False, wait=wait, timeout=timeout)

    # -- delete -------------------------------------------------------------------------
    def delete(self, name: str, *, wait: bool = True, timeout: float | None = None) -> None:
        """Stop the endpoint's process (it drains first) and forget the endpoint; its
        captured data stays in the artifact store."""
        endpoint = self.store.get(name)
        allowed = [EndpointStatus.IN_SERVICE, EndpointStatus.FAILED]
        if endpoint.status in TRANSITIONAL and not self._owner_alive(endpoint):
            allowed.append(endpoint.status)
        self.store.set(name, status=EndpointStatus.DELETING, expect=allowed, owner_pid=os.getpid())
        self._run(name, self._delete, name)
        if wait:
            self._join(name, timeout)

    def _delete(self, name: str) -> None:
        endpoint = self.store.get(name)
        self._stop_process(endpoint)
        shutil.rmtree(self.folder(name), ignore_errors=True)
        if getattr(self.store, "_db", None) is not None:  # its async requests and files
            self.async_queue.delete_endpoint(name)
        self.store.delete(name)

    def _stop_process(self, endpoint: Endpoint) -> None:
        if endpoint.pid is None or not self._serving(endpoint):
            return
        pid = endpoint.pid
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGTERM)
        drain = float(endpoint.config.get("drain_seconds", 10.0))
        deadline = time.monotonic() + drain + STOP_GRACE
        while time.monotonic() < deadline and process_running(pid):
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)

    # -- the server's watch -------------------------------------------------------------
    def reconcile(self) -> list[str]:
        """Bring this host's endpoints to the state their rows ask for (see the module
        docstring). The names of the endpoints started again."""
        restarted = []
        here = this_host()
        for endpoint in self.store.all():
            if endpoint.host != here or self._busy(endpoint.name):
                continue
            if endpoint.status in TRANSITIONAL and self._owner_alive(endpoint):
                continue
            try:
                if endpoint.status is EndpointStatus.DELETING:
                    self._run(endpoint.name, self._delete, endpoint.name)
                elif endpoint.status is EndpointStatus.FAILED:
                    continue
                elif self._serving(endpoint):
                    if endpoint.status is not EndpointStatus.IN_SERVICE:
                        info = read_ready_file(self._ready_path(endpoint)) or {}
                        if endpoint.status is EndpointStatus.CREATING:
                            if not info.get("ready"):
                                continue  # still loading its models: look again next time
                            self.store.set(endpoint.name, url=info["url"], port=int(info["port"]))
                        self.store.set(
                            endpoint.name,
                            status=EndpointStatus.IN_SERVICE,
                            generation=int(info.get("generation", endpoint.generation)),
                            owner_pid=None,
                        )
                else:
                    self.restart(endpoint.name)
                    restarted.append(endpoint.name)
            except MLStudioError:  # another process got there first
                continue
        return restarted

    def restart(self, name: str, *, wait: bool = False) -> Endpoint:
        """Start the endpoint's process again from its record (same versions, token and,
        when free, port)."""
        endpoint = self.store.get(name)
        config = self._full_config(endpoint, port=endpoint.port or 0)
        self._stop_process(endpoint)
        self.store.set(
            name,
            status=EndpointStatus.CREATING,
            owner_pid=os.getpid(),
            pid=None,
            url=None,
            failure_reason=None,
        )
        self._run(name, self._create, name, config)
        return self._finish(name, wait, None) if wait else self.store.get(name)

    def stop_all(self) -> None:
        """Stop this host's endpoint processes, leaving their rows as they are (so the
        next ``reconcile`` starts them again): the server does this on exit."""
        for thread in list(self._operations.values()):
            thread.join(60)
        here = this_host()
        threads = [
            threading.Thread(target=self._stop_process, args=(e,), daemon=True)
            for e in self.store.all()
            if e.host == here
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

    # -- talking to an endpoint -----------------------------------------------------------
    def request(
        self,
        name: str,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        timeout: float = 60.0,
        endpoint: Endpoint | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """One HTTP request to the endpoint's own port, with its token."""
        endpoint = endpoint or self.store.get(name)
        if endpoint.status not in (EndpointStatus.IN_SERVICE, EndpointStatus.UPDATING) or not (
            endpoint.port
        ):
            raise ConflictError(
                f"Endpoint {name!r} is {endpoint.status.value}; it serves once InService."
            )
        sent = dict(headers or {})
        if endpoint.token:
            sent["Authorization"] = f"Bearer {endpoint.token}"
        host = endpoint.config.get("host") or "127.0.0.1"
        if host in ("0.0.0.0", "::", ""):  # noqa: S104 - reached through the loopback address
            host = "127.0.0.1"
        connection = http.client.HTTPConnection(host, endpoint.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=sent)
            reply = connection.getresponse()
            return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()
        except OSError as exc:
            raise EndpointRequestError(
                f"Endpoint {name!r} did not answer ({exc}); see its log.", 503
            ) from None
        finally:
            connection.close()

    def predict(self, name: str, data: Any, *, variant: str | None = None) -> list[Any]:
        """Predictions for ``data`` (a DataFrame, a list of dicts or of rows, an array)."""
        predictions: list[Any] = self.invoke(name, data, variant=variant)["predictions"]
        return predictions

    def invoke(
        self, name: str, data: Any, *, variant: str | None = None, target_model: str | None = None
    ) -> dict[str, Any]:
        """The endpoint's whole JSON answer for ``data``: ``predictions`` and, when it
        returns probabilities, ``probabilities`` and ``classes``. ``target_model``: a
        model of a multi-model endpoint (``churn/3``, ``churn@champion``, ``churn``)."""
        body = json.dumps(payload_of(data)).encode()
        headers = {"Content-Type": "application/json"}
        if variant:
            headers["X-Target-Variant"] = variant
        if target_model:
            headers["X-Amzn-SageMaker-Target-Model"] = target_model
        status, _, reply = self.request(name, "POST", "/invocations", body, headers)
        if status != 200:
            raise EndpointRequestError(f"Endpoint {name!r}: {_message(reply)}", status)
        answer: dict[str, Any] = json.loads(reply)
        return answer

    # -- asynchronous inference (endpoints/async_inference.py) -----------------------------
    @property
    def async_queue(self) -> AsyncInferenceQueue:
        db = getattr(self.store, "_db", None)
        if db is None:
            raise InvalidArgumentError("Asynchronous inference needs the SQL endpoint store.")
        return AsyncInferenceQueue(db, self._config.artifact_uri)

    def invoke_async(
        self,
        name: str,
        *,
        payload: IO[bytes] | bytes | None = None,
        input_location: str | None = None,
        content_type: str = "application/json",
        accept: str | None = None,
    ) -> AsyncRequest:
        """Queue a request for endpoint ``name`` (deployed with ``async_config``); its
        process answers it (``get_async``) when a slot is free."""
        settings = self.store.get(name).config.get("async_config")
        if not settings:
            raise InvalidArgumentError(
                f"Endpoint {name!r} has no async_config: deploy it with "
                "async_config={'max_concurrent_invocations': ...}."
            )
        return self.async_queue.enqueue(
            name,
            payload=payload,
            input_location=input_location,
            content_type=content_type,
            accept=accept,
            output_path=settings.get("output_path"),
        )

    def get_async(self, name: str, inference_id: str) -> AsyncRequest:
        return self.async_queue.get(inference_id, endpoint=name)

    def list_async(self, name: str, limit: int = 100) -> list[AsyncRequest]:
        self.store.get(name)
        return self.async_queue.list(name, limit=limit)

    def models(self, name: str) -> dict[str, Any]:
        """A multi-model endpoint's models, loaded or not, with their metrics."""
        return endpoint_models(self, name)

    def add_models(self, name: str, models: Sequence[str]) -> list[str]:
        """More allowed models for a multi-model endpoint, without redeploying."""
        return add_models(self, name, models)

    def metrics(self, name: str) -> dict[str, Any]:
        scaling = read_state(self.folder(name) / "runtime")  # serving/autoscaling.py
        if scaling is not None and scaling.get("scaled_to_zero") and "metrics" in scaling:
            # no worker serves: the supervisor's figures, rather than waking it up
            return {**scaling.pop("metrics"), "autoscaling": scaling}
        status, _, body = self.request(name, "GET", "/metrics", timeout=10)
        if status != 200:
            raise EndpointRequestError(f"Endpoint {name!r}: {_message(body)}", status)
        result: dict[str, Any] = json.loads(body)
        return result

    def read_log(self, name: str, offset: int = 0, max_bytes: int = MAX_LOG_CHUNK) -> LogChunk:
        self.store.get(name)
        if offset < 0:
            raise InvalidArgumentError("offset must be 0 or more.")
        logs = ArtifactRepository(self.folder(name).as_uri())
        text, next_offset, size = logs.read_text_range(
            "endpoint.log", offset, min(max_bytes, MAX_LOG_CHUNK)
        )
        return LogChunk(text, offset, next_offset, size)

    def recent_errors(self, name: str, limit: int = 20) -> list[dict[str, Any]]:
        """The last failed requests (status, method, path, message, time) from the
        endpoint's log, newest first."""
        self.store.get(name)
        path = self.folder(name) / "endpoint.log"
        try:
            with path.open("rb") as handle:
                handle.seek(max(0, path.stat().st_size - 512 * 1024))
                lines = handle.read().decode("utf-8", "replace").splitlines()
        except FileNotFoundError:
            return []
        found = []
        for line in reversed(lines):
            match = _FAILED_REQUEST.search(line)
            if match:
                found.append(
                    {
                        "time": line[:23],
                        "status": int(match["status"]),
                        "method": match["method"],
                        "path": match["path"],
                        "message": match["message"],
                    }
                )
                if len(found) >= limit:
                    break
        return found

    def example(self, name: str) -> dict[str, Any]:
        """A test request prefilled from the first variant's input example (or from its
        signature): ``{"content_type", "body"}``."""
        endpoint = self.store.get(name)
        if not endpoint.variants:
            raise NotFoundError(f"Endpoint {name!r} serves no model yet.")
        first = endpoint.variants[0]
        version: Any = self._registry.get_version(first.model, first.version)
        preprocess = endpoint.config.get("preprocess")
        if preprocess:  # an inference pipeline takes the flow's raw rows
            raw = {"inputs": preprocess["inputs"], "outputs": []}
            version = SimpleNamespace(input_example=preprocess["input_example"], signature=raw)
        return {"content_type": "application/json", "body": example_body(version)}

    # -- threads ------------------------------------------------------------------------
    def _run(self, name: str, target: Any, *args: Any) -> None:
        def guarded() -> None:
            try:
                target(*args)
            except Exception as exc:  # an operation never dies silently
                message = (
                    exc.message
                    if isinstance(exc, MLStudioError)
                    else f"{type(exc).__name__}: {exc}"
                )
                with contextlib.suppress(MLStudioError):
                    self.store.set(
                        name, status=EndpointStatus.FAILED, failure_reason=message, owner_pid=None
                    )
            finally:
                with self._lock:
                    self._operations.pop(name, None)

        thread = threading.Thread(target=guarded, name=f"endpoint-{name}", daemon=True)
        with self._lock:
            self._operations[name] = thread
        thread.start()

    def _busy(self, name: str) -> bool:
        with self._lock:
            thread = self._operations.get(name)
        return thread is not None and thread.is_alive()

    def _join(self, name: str, timeout: float | None) -> None:
        with self._lock:
            thread = self._operations.get(name)
        if thread is not None:
            thread.join(timeout)

    def _finish(self, name: str, wait: bool, timeout: float | None) -> Endpoint:
        if wait:
            self._join(name, timeout)
        return self.store.get(name)

    def _owner_alive(self, endpoint: Endpoint) -> bool:
        owner = endpoint.owner_pid
        if owner is None:
            return False
        if owner == os.getpid():
            return self._busy(endpoint.name)
        return pid_alive(owner)

    def _ready_path(self, endpoint: Endpoint) -> Path:
        return ready_path(
            self.folder(endpoint.name), _validated({**endpoint.config, "token": None})
        )

    def _serving(self, endpoint: Endpoint) -> bool:
        """Whether the endpoint's recorded process is alive and is that endpoint's
        serving process (not another that got the pid)."""
        if endpoint.pid is None:
            return False
        command = process_command_line(endpoint.pid)
        if command is None:
            return False
        return "jupyter_mlstudio.serving" in command and str(self.folder(endpoint.name)) in command


def _shadow(shadow: Mapping[str, Any] | bool, trust_code: bool, model: Any) -> dict[str, Any]:
    """A shadow's settings; its model defaults to the (first) production variant's."""
    if isinstance(shadow, bool):
        raise InvalidArgumentError("shadow is a dict ({'version': ..., 'sampling': 0.5}) or False.")
    settings = {"model": model, **shadow_settings(shadow)}
    return {**settings, "trust_code": True} if trust_code else settings


def _message(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")[:500]
    if isinstance(data, dict):
        return str(data.get("message") or data.get("error") or data)
    return str(data)


def payload_of(data: Any) -> dict[str, Any]:
    """The MLflow-style JSON body for ``data``: a DataFrame → ``dataframe_split``, a
    list of dicts → ``dataframe_records``, rows or an array → ``instances``."""
    import numpy as np
    import pandas as pd

    from ..registry.format import json_safe

    if isinstance(data, pd.Series):
        data = data.to_frame().T
    if isinstance(data, pd.DataFrame):
        split = data.to_dict("split")
        return {
            "dataframe_split": {
                "columns": [str(c) for c in split["columns"]],
                "data": json_safe(split["data"]),
            }
        }
    if isinstance(data, np.ndarray):
        return {"instances": json_safe(data.tolist())}
    if isinstance(data, Mapping):
        return {"dataframe_records": [json_safe(dict(data))]}
    if isinstance(data, list | tuple):
        rows = list(data)
        if rows and all(isinstance(r, Mapping) for r in rows):
            return {"dataframe_records": json_safe([dict(r) for r in rows])}
        return {"instances": json_safe(rows)}
    raise InvalidArgumentError(
        f"Cannot send {type(data).__name__} to an endpoint: give a DataFrame, a dict, a list "
        "of dicts or of rows, or an array."
    )


def example_body(version: Any) -> str:
    """A pretty JSON request for a model version: its input example's first rows as
    ``dataframe_split``, or one row of typed placeholders from its signature."""
    example = version.input_example
    columns: list[str] = []
    rows: list[list[Any]] = []
    if isinstance(example, dict) and "columns" in example and "data" in example:
        columns, rows = list(example["columns"]), list(example["data"])[:1]
    elif isinstance(example, list) and example:
        if isinstance(example[0], dict):
            columns = list(example[0])
            rows = [[example[0][c] for c in columns]]
        else:
            rows = [example[0] if isinstance(example[0], list) else example]
    if not rows:
        inputs = version.signature.get("inputs", []) if isinstance(version.signature, dict) else []
        columns = [str(i.get("name")) for i in inputs if isinstance(i, dict)]
        placeholder = {"object": "", "string": "", "str": "", "bool": False, "category": ""}
        rows = [[placeholder.get(str(i.get("dtype")), 0) for i in inputs if isinstance(i, dict)]]
    if columns:
        return json.dumps({"dataframe_split": {"columns": columns, "data": rows}}, indent=2)
    return json.dumps({"instances": rows}, indent=2)
