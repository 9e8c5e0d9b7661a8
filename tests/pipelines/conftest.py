from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    """The REST tests of pipelines run our server extension."""
    return {"ServerApp": {"jpserver_extensions": {"jupyter_mlstudio": True}}}
