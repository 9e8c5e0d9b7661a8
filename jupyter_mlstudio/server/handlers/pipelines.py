"""``/pipelines``: step types, validation, pipelines and their executions. Paths in a
pipeline's steps are relative to the server's root folder."""

from __future__ import annotations

import json

import tornado.web
from jupyter_server.auth.decorator import authorized

from ...api import pipeline_models
from ...pipelines.definition import ValidationIssue, step_types, validate_document
from .base import MLStudioHandler


class _PipelinesBase(MLStudioHandler):
    auth_resource = "mlstudio:pipelines"


class PipelineStepTypesHandler(_PipelinesBase):
    @authorized
    @tornado.web.authenticated
    async def get(self) -> None:
        self.write_model(pipeline_models.StepTypeList.model_validate({"items": step_types()}))


class PipelineValidateHandler(_PipelinesBase):
    """Any body is answered: a malformed document is ``valid: false`` with its errors."""

    @authorized
    @tornado.web.authenticated
    async def post(self) -> None:
        try:
            raw = json.loads(self.request.body or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            issues = [ValidationIssue(None, "", f"not valid JSON: {exc}")]
        else:
            _validated, issues = await self.call(validate_document, raw)
        self.write_model(
            pipeline_models.PipelineValidation(
                valid=not issues,
                errors=[pipeline_models.PipelineIssue.from_entity(i) for i in issues],
            )
        )
