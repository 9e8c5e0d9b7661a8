"""The studio's side of multi-model endpoints (the serving side: serving/multi_model.py):
the deploy settings, the model list of an endpoint and widening its allowed models.

``mls.deploy("zoo", models=["churn", "fraud"])`` serves every version of those models
(the first one, newest version, also answers plain ``/invocations``);
``mls.deploy("zoo", model="churn", multi_model=True)`` allows every registered model;
``multi_model={"models": [...], "memory_limit_bytes": ...}`` sets both.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import ConflictError, InvalidArgumentError, MLStudioError, NotFoundError

if TYPE_CHECKING:
    from ..registry.service import Registry
    from .service import EndpointService

MAX_LISTED = 1000  # registered models listed for an endpoint that allows them all


def multi_model_settings(
    multi_model: Mapping[str, Any] | bool | None, models: Sequence[str] | None
) -> dict[str, Any] | None:
    """The ``multi_model`` entry of an endpoint config from deploy's arguments."""
    if isinstance(models, str):
        raise InvalidArgumentError("models is a list of model names, e.g. ['churn', 'fraud'].")
    if multi_model is False:
        if models is not None:
            raise InvalidArgumentError("models=[...] makes a multi-model endpoint.")
        return None
    if multi_model is None and models is None:
        return None
    settings = dict(multi_model) if isinstance(multi_model, Mapping) else {}
    if models is not None:
        settings["models"] = list(models)
    return settings


def default_model(settings: Mapping[str, Any] | None) -> str | None:
    """The model a multi-model endpoint's variant serves when none is named: the first
    allowed one."""
    models = (settings or {}).get("models") or []
    return str(models[0]) if models else None


def check_models(registry: Registry, names: Sequence[str]) -> None:
    """Every name a registered model (a clear error at deploy, not a 404 later)."""
    missing = []
    for name in names:
        try:
            registry.store.get_group(name)
        except NotFoundError:
            missing.append(name)
    if missing:
        raise NotFoundError(
            f"No registered model named {', '.join(map(repr, missing))}: register it before "
            "serving it from a multi-model endpoint."
        )


def require_multi_model(service: EndpointService, name: str) -> dict[str, Any]:
    settings = service.get(name).config.get("multi_model")
    if not settings:
        raise InvalidArgumentError(
            f"Endpoint {name!r} is not a multi-model endpoint: deploy it with "
            "models=[...] or multi_model=True."
        )
    return dict(settings)


def endpoint_models(service: EndpointService, name: str) -> dict[str, Any]:
    """The models of a multi-model endpoint: ``allowed`` (names, or ``None`` for every
    registered model), ``memory_limit_bytes`` and ``models``: a row per model version it
    served in this generation (loaded now or not, with its metrics) and one per allowed
    model it has not served yet (``version`` None). Without the metrics when the
    endpoint is not serving (``serving`` False)."""
    settings = require_multi_model(service, name)
    allowed: list[str] | None = settings.get("models")
    rows: list[dict[str, Any]] = []
    serving = True
    try:
        status, _, body = service.request(name, "GET", "/models", timeout=10)
        if status == 200:
            rows = list(json.loads(body).get("models", []))
        else:
            serving = False
    except (ConflictError, MLStudioError):
        serving = False
    if allowed is None:
        page = service._registry.store.list_groups(max_items=MAX_LISTED)
        names = sorted(group.name for group in page.items)
    else:
        names = list(allowed)
    served = {row.get("model") for row in rows}
    for model in names:
        if model not in served:
            rows.append(_unserved(model))
    order = {model: index for index, model in enumerate(names)}
    rows.sort(key=lambda r: (order.get(str(r.get("model")), len(order)), -(r.get("version") or 0)))
    return {
        "endpoint": name,
        "allowed": allowed,
        "memory_limit_bytes": settings.get("memory_limit_bytes"),
        "serving": serving,
        "models": rows,
    }


def _unserved(model: str) -> dict[str, Any]:
    return {
        "target": model,
        "model": model,
        "version": None,
        "loaded": False,
        "loaded_workers": 0,
        "bytes": 0,
        "loads": 0,
        "load_ms": None,
        "evictions": 0,
        "load_errors": 0,
        "last_used": None,
        "requests": 0,
        "errors": {"4xx": 0, "5xx": 0},
        "latency_ms": None,
        "batch_size_mean": None,
    }


def add_models(service: EndpointService, name: str, models: Sequence[str]) -> list[str]:
    """Widen a multi-model endpoint's allowed models, without redeploying: the stored
    config changes and its workers read it again when asked for a model they do not
    know (serving/multi_model.py). The allowed models, after."""
    from ..registry.entities import validate_model_name

    if isinstance(models, str) or not models:
        raise InvalidArgumentError("Give a list of model names to add, e.g. ['fraud'].")
    names = [validate_model_name(m) for m in models]
    endpoint = service.get(name)
    settings = require_multi_model(service, name)
    if settings.get("models") is None:
        raise InvalidArgumentError(f"Endpoint {name!r} serves every registered model already.")
    check_models(service._registry, names)
    allowed = list(dict.fromkeys([*settings["models"], *names]))
    config = {**endpoint.config, "multi_model": {**settings, "models": allowed}}
    service.store.set(name, config=config)
    return allowed
