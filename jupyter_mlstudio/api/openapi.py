"""Build the OpenAPI 3.1 document from the pydantic models and the operations table.

``python -m jupyter_mlstudio.api.openapi`` rewrites ``jupyter_mlstudio/openapi.json``;
the TypeScript wire types are generated from that file (``jlpm generate:api``).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from ..registry.entities import ALIAS_PATTERN, MODEL_NAME_PATTERN
from . import common_models
from .endpoint_models import ENDPOINT_NAME_PATTERN
from .feature_models import GROUP_REF_PATTERN
from .operations import API_PREFIX, OPERATIONS

SPEC_PATH = Path(__file__).resolve().parent.parent / "openapi.json"
_REF = "#/components/schemas/{model}"
_STATUS_TEXT = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    414: "The query string is too long",
    502: "The endpoint did not answer",
    503: "Unavailable",
}


# Path parameters whose form the server checks (others are ids: unknown ones are 404).
_PATH_PARAMETERS: dict[tuple[str, str], dict[str, Any]] = {
    ("/models", "name"): {"type": "string", "pattern": MODEL_NAME_PATTERN.pattern},
    ("/models", "version"): {"type": "string", "pattern": r"^[1-9][0-9]{0,17}$"},
    ("/models", "alias"): {"type": "string", "pattern": ALIAS_PATTERN.pattern},
    ("/endpoints", "name"): {"type": "string", "pattern": ENDPOINT_NAME_PATTERN},
    ("/feature-groups", "ref"): {"type": "string", "pattern": GROUP_REF_PATTERN},
    ("/feature-groups", "record_id"): {"type": "string", "minLength": 1, "maxLength": 1024},
}


def _path_parameter(path: str, name: str) -> dict[str, Any]:
    for (prefix, param), schema in _PATH_PARAMETERS.items():
        if path.startswith(prefix + "/") and param == name:
            return dict(schema)
    return {"type": "string"}


def _key_patterns_as_property_names(schema: Any) -> None:
    """pydantic writes ``dict[Key, V]`` as ``patternProperties``, which lets keys that
    do not match through; the server refuses them, so say ``propertyNames``."""
    if isinstance(schema, dict):
        patterns = schema.get("patternProperties")
        if isinstance(patterns, dict) and len(patterns) == 1 and "properties" not in schema:
            ((pattern, value),) = patterns.items()
            del schema["patternProperties"]
            schema["propertyNames"] = {**schema.get("propertyNames", {}), "pattern": pattern}
            schema["additionalProperties"] = value
        for item in schema.values():
            _key_patterns_as_property_names(item)
    elif isinstance(schema, list):
        for item in schema:
            _key_patterns_as_property_names(item)


def build_openapi() -> dict[str, Any]:
    schema_models: list[tuple[type[BaseModel], Literal["validation", "serialization"]]] = [
        (common_models.ErrorResponse, "serialization")
    ]
    for op in OPERATIONS:
        if op.response is not None:
            schema_models.append((op.response, "serialization"))
        if op.body is not None:
            schema_models.append((op.body, "validation"))
    _, defs = models_json_schema(schema_models, ref_template=_REF)
    components = dict(sorted(defs.get("$defs", {}).items()))
    _key_patterns_as_property_names(components)

    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(API_PREFIX + op.path, {})[op.method] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "jupyter-mlstudio REST API",
            "version": "1",
            "description": "JSON over HTTP, served by the Jupyter server extension. Every "
            "request needs the Jupyter server's authentication. Errors always have the "
            "ErrorResponse shape.",
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "jupyterToken": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`token <jupyter server token>`",
                },
            },
        },
        "security": [{"jupyterToken": []}],
    }


def _operation(op: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
    }
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": _path_parameter(op.path, name)}
        for name in re.findall(r"{(\w+)}", op.path)
    ]
    if op.query is not None:
        query_schema = op.query.model_json_schema(ref_template=_REF)
        required = set(query_schema.get("required", []))
        for name, prop in query_schema["properties"].items():
            param: dict[str, Any] = {
                "name": name,
                "in": "query",
                "required": name in required,
                "schema": prop,
            }
            if "description" in prop:
                param["description"] = prop["description"]
            parameters.append(param)
    if parameters:
        result["parameters"] = parameters
    if op.body is not None:
        result["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": _REF.format(model=op.body.__name__)}}
            },
        }
    responses: dict[str, Any] = {}
    ok: dict[str, Any] = {"description": _STATUS_TEXT[op.status]}
    if op.response is not None:
        ok["content"] = {
            "application/json": {"schema": {"$ref": _REF.format(model=op.response.__name__)}}
        }
    elif op.binary:
        ok["content"] = {"*/*": {"schema": {"type": "string", "format": "binary"}}}
    elif op.status != 204:
        ok["content"] = {"application/json": {"schema": {"type": "object"}}}
    responses[str(op.status)] = ok
    error_body = {"application/json": {"schema": {"$ref": _REF.format(model="ErrorResponse")}}}
    # every operation needs authentication (401 without, 403 when not allowed), and any
    # query string over the limit is refused (414)
    for code in sorted({*op.errors, 401, 403, *([414] if op.query is not None else [])}):
        responses[str(code)] = {"description": _STATUS_TEXT[code], "content": error_body}
    result["responses"] = responses
    return result


def render_openapi() -> str:
    return json.dumps(build_openapi(), indent=2, sort_keys=False) + "\n"


def main() -> int:
    SPEC_PATH.write_text(render_openapi(), encoding="utf-8")
    print(f"wrote {SPEC_PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
