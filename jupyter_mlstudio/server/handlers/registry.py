"""``/models``: the model registry. Thin: every rule lives in ``registry/``."""

from __future__ import annotations

import tornado.web
from jupyter_server.auth.decorator import authorized

from ...api import registry_models
from ...api.operations import API_PREFIX
from ...errors import InvalidArgumentError
from ...registry.entities import ModelVersion
from ...registry.service import current_user
from .base import MLStudioHandler


def _version_number(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise InvalidArgumentError(f"Version {text!r} is not a version number (1, 2, …).")
    return int(text)


class _ModelsBase(MLStudioHandler):
    auth_resource = "mlstudio:models"

    def _changed(self, name: str, action: str = "updated") -> None:
        self.emit_change("models", action, name)

    def _write_version(self, version: ModelVersion, status: int = 200) -> None:
        self.write_model(registry_models.ModelVersion.from_entity(version), status=status)


class ModelsHandler(_ModelsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self) -> None:
        query = self.parse_query(registry_models.ModelGroupListQuery)
        page = await self.call(
            self.studio.registry.list_groups, query.search, query.max_items, query.next_token
        )
        self.write_model(
            registry_models.ModelGroupList(
                items=[registry_models.ModelGroup.from_entity(g) for g in page.items],
                next_token=page.next_token,
            )
        )

    @authorized
    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.parse_body(registry_models.ModelGroupCreate)
        group = await self.call(
            self.studio.registry.create_group, body.name, body.description, body.tags
        )
        self.set_header("Location", f"{self.base_url.rstrip('/')}{API_PREFIX}/models/{group.name}")
        self._changed(group.name, "created")
        self.write_model(registry_models.ModelGroup.from_entity(group), status=201)


class ModelHandler(_ModelsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        group = await self.call(self.studio.registry.get_group, name)
        self.write_model(registry_models.ModelGroup.from_entity(group))

    @authorized
    @tornado.web.authenticated
    async def patch(self, name: str) -> None:
        body = self.parse_body(registry_models.ModelGroupUpdate)
        group = await self.call(
            self.studio.registry.update_group, name, description=body.description, tags=body.tags
        )
        self._changed(name)
        self.write_model(registry_models.ModelGroup.from_entity(group))

    @authorized
    @tornado.web.authenticated
    async def delete(self, name: str) -> None:
        query = self.parse_query(registry_models.ModelDeleteQuery)
        await self.call(self.studio.registry.delete_model, name, query.force)
        self._changed(name, "deleted")
        self.set_status(204)
        self.finish()


class ModelVersionsHandler(_ModelsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        versions = await self.call(self.studio.registry.list_versions, name)
        self.write_model(
            registry_models.ModelVersionList(
                items=[registry_models.ModelVersion.from_entity(v) for v in versions]
            )
        )

    @authorized
    @tornado.web.authenticated
    async def post(self, name: str) -> None:
        body = self.parse_body(registry_models.ModelVersionCreate)
        version = await self.call(
            self.studio.registry.register_source,
            name,
            run_id=body.run_id,
            job_id=body.job_id,
            description=body.description,
            tags=body.tags,
            artifact_path=body.artifact_path,
            trust_code=body.trust_code,
        )
        self.set_header(
            "Location",
            f"{self.base_url.rstrip('/')}{API_PREFIX}/models/{name}/versions/{version.version}",
        )
        self._changed(name)
        self._write_version(version, status=201)


class ModelVersionHandler(_ModelsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, name: str, version: str) -> None:
        found = await self.call(self.studio.registry.get_version, name, _version_number(version))
        self._write_version(found)

    @authorized
    @tornado.web.authenticated
    async def patch(self, name: str, version: str) -> None:
        body = self.parse_body(registry_models.ModelVersionUpdate)
        changes = {field: getattr(body, field) for field in body.model_fields_set}
        if body.card is not None:
            changes["card"] = body.card.model_dump(exclude_unset=True)
        updated = await self.call(
            self.studio.registry.update_version, name, _version_number(version), **changes
        )
        self._changed(name)
        self._write_version(updated)


class ModelApprovalHandler(_ModelsBase):
    @authorized
    @tornado.web.authenticated
    async def post(self, name: str, version: str) -> None:
        body = self.parse_body(registry_models.ApprovalChange)
        updated = await self.call(
            self.studio.registry.set_approval,
            name,
            _version_number(version),
            body.status,
            body.comment,
            self._actor(),
        )
        self._changed(name)
        self._write_version(updated)

    def _actor(self) -> str:
        """Who approves: the logged-in user's name; on a single-user server (token
        login, an anonymous random identity) the OS user running it."""
        user = self.current_user
        name = str(getattr(user, "display_name", "") or getattr(user, "name", "") or "")
        if not name or name.startswith("Anonymous"):
            return current_user()
        return name


class ModelLineageHandler(_ModelsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, name: str, version: str) -> None:
        found = await self.call(self.studio.registry.lineage, name, _version_number(version))
        self.write_model(registry_models.Lineage(**found))


class ModelCardHandler(_ModelsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, name: str, version: str) -> None:
        number = _version_number(version)
        text = await self.call(self.studio.registry.card_markdown, name, number)
        self.set_header(
            "Content-Disposition", f'attachment; filename="{name}-v{number}-model-card.md"'
        )
        # APIHandler.finish would label it JSON otherwise
        self.finish(text, set_content_type="text/markdown; charset=UTF-8")


class ModelAliasHandler(_ModelsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, name: str, alias: str) -> None:
        found = await self.call(self.studio.registry.get_version, name, None, alias)
        self._write_version(found)

    @authorized
    @tornado.web.authenticated
    async def put(self, name: str, alias: str) -> None:
        body = self.parse_body(registry_models.AliasSet)
        found = await self.call(self.studio.registry.set_alias, name, alias, body.version)
        self._changed(name)
        self._write_version(found)

    @authorized
    @tornado.web.authenticated
    async def delete(self, name: str, alias: str) -> None:
        await self.call(self.studio.registry.delete_alias, name, alias)
        self._changed(name)
        self.set_status(204)
        self.finish()
