"""``/home``: the Studio home — what runs now, recent activity, the configuration.
Thin: the gathering lives in ``jupyter_mlstudio/home.py``."""

from __future__ import annotations

import tornado.web
from jupyter_server.auth.decorator import authorized

from ...api import home_models
from .base import MLStudioHandler


class HomeHandler(MLStudioHandler):
    auth_resource = "mlstudio:home"

    @authorized
    @tornado.web.authenticated
    async def get(self) -> None:
        # database reads and a short CPU sample: off the event loop
        snapshot = await self.call(self.studio.home.snapshot)
        self.write_model(home_models.Home.from_snapshot(snapshot))
