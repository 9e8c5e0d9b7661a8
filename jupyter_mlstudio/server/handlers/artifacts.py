"""``/runs/{run_id}/artifacts`` (listing) and ``…/artifacts/content`` (streamed download)."""

from __future__ import annotations

import posixpath
from urllib.parse import quote

import tornado.web
from jupyter_server.auth.decorator import authorized

from ...api import experiment_models
from ...artifacts import ArtifactRepository, clean_relative_path, content_type
from .base import MLStudioHandler


class _ArtifactsBase(MLStudioHandler):
    auth_resource = "mlstudio:artifacts"

    async def repository(self, run_id: str) -> ArtifactRepository:
        return await self.call(self.studio.experiments.artifacts, run_id)


class ArtifactsHandler(_ArtifactsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        query = self.parse_query(experiment_models.ArtifactQuery)
        repo = await self.repository(run_id)
        items = await self.call(repo.list, query.path)
        self.write_model(
            experiment_models.ArtifactList(
                items=[
                    experiment_models.ArtifactEntry(
                        path=i.path, name=i.name, is_dir=i.is_dir, size=i.size
                    )
                    for i in items
                ]
            )
        )


class ArtifactContentHandler(_ArtifactsBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        query = self.parse_query(experiment_models.ArtifactQuery)
        path = clean_relative_path(query.path)
        repo = await self.repository(run_id)
        handle = await self.call(repo.open, path)
        try:
            self.set_header("Content-Type", content_type(path))
            name = posixpath.basename(path)
            self.set_header("Content-Disposition", f"inline; filename*=UTF-8''{quote(name)}")
            self.set_header("X-Content-Type-Options", "nosniff")
            # Artifacts are user content: never let the browser run them as a page.
            self.set_header("Content-Security-Policy", "sandbox; default-src 'none'")
            while chunk := await self.call(handle.read, 1 << 20):
                self.write(chunk)
                await self.flush()
        finally:
            handle.close()
        self.finish()
