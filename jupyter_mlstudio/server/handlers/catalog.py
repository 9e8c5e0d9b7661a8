"""``/catalog``: JumpStart's entries, launches of solutions, and the pre-built models'
deploy and fine-tune (thin: ``studio.catalog`` does the work)."""

from __future__ import annotations

import tornado.web
from jupyter_server.auth.decorator import authorized

from ...api import catalog_models as models
from ...catalog.manifest import TASKS
from .base import MLStudioHandler


class _CatalogBase(MLStudioHandler):
    auth_resource = "mlstudio:catalog"


class CatalogHandler(_CatalogBase):
    @authorized
    @tornado.web.authenticated
    async def get(self) -> None:
        query = self.parse_query(models.CatalogListQuery)
        listing = await self.call(
            self.studio.catalog.listing, task=query.task, kind=query.kind, query=query.q
        )
        self.write_model(
            models.CatalogList(
                entries=[models.CatalogEntrySummary.from_entity(e) for e in listing.entries],
                errors=[models.CatalogLoadError.from_entity(e) for e in listing.errors],
                sources=[models.CatalogSourceInfo.from_entity(s) for s in listing.sources],
                tasks=list(TASKS),
            )
        )


class CatalogEntryHandler(_CatalogBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        service = self.studio.catalog
        entry = await self.call(service.get, name)
        check = await self.call(service.resource_check, entry, self.root_dir)
        self.write_model(models.CatalogEntry.from_entry(entry, check))


class CatalogLaunchHandler(_CatalogBase):
    @authorized
    @tornado.web.authenticated
    async def post(self, name: str) -> None:
        body = self.parse_body(models.CatalogLaunchStart)
        launch = await self.call(
            self.studio.catalog.launch, name, body.parameters, body.folder, root=self.root_dir
        )
        self.write_model(models.CatalogLaunch.from_entity(launch), status=202)


class CatalogLaunchesHandler(_CatalogBase):
    @authorized
    @tornado.web.authenticated
    async def get(self) -> None:
        launches = await self.call(self.studio.catalog.launches)
        self.write_model(
            models.CatalogLaunchList(
                launches=[models.CatalogLaunch.from_entity(item) for item in launches]
            )
        )


class CatalogLaunchRecordHandler(_CatalogBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, launch_id: str) -> None:
        launch = await self.call(self.studio.catalog.get_launch, launch_id)
        self.write_model(models.CatalogLaunch.from_entity(launch))


class CatalogDeployHandler(_CatalogBase):
    @authorized
    @tornado.web.authenticated
    async def post(self, name: str) -> None:
        body = self.parse_body(models.CatalogDeployRequest)
        # answered at once: the endpoint's status (Creating → InService) tells the rest
        deployment = await self.call(
            self.studio.catalog.deploy, name, body.endpoint_name, wait=False
        )
        self.emit_change("endpoints", "created", deployment.endpoint_name)
        self.write_model(
            models.CatalogDeployment(
                model_name=deployment.model_name,
                model_version=deployment.model_version,
                endpoint_name=deployment.endpoint_name,
            ),
            status=202,
        )


class CatalogFineTuneHandler(_CatalogBase):
    @authorized
    @tornado.web.authenticated
    async def post(self, name: str) -> None:
        body = self.parse_body(models.CatalogFineTuneRequest)
        job = await self.call(
            self.studio.catalog.fine_tune,
            name,
            body.data,
            body.target,
            base_dir=self.root_dir,
            within_base=True,
        )
        self.emit_change("jobs", "created", job.id)
        self.write_model(models.CatalogFineTune(job_id=job.id, job_name=job.name), status=202)
