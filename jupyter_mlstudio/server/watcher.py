"""Push run changes that bypass the server (SDK writes from kernels and jobs) as events.

Once a second, off the event loop, the watcher asks the store which runs changed
recently and emits a ``resource_changed`` event for each, so open run tables and charts
update live without the browser polling. The look-back window overlaps the previous one
by a few seconds, because a transaction that commits late can carry an earlier
timestamp; a run is re-announced only when its change time moved.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime, timedelta, timezone

from tornado.ioloop import PeriodicCallback

from ..errors import MLStudioError
from ..experiments.run_store import RunStore

OVERLAP = timedelta(seconds=5)
MAX_REMEMBERED = 10_000


class RunChangeWatcher:
    def __init__(
        self,
        runs: RunStore,
        emit: Callable[[str, str, str], None],
        executor: Executor,
        log: logging.Logger,
        interval: float = 1.0,
    ) -> None:
        self._runs = runs
        self._emit = emit
        self._executor = executor
        self._log = log
        self._started = self._since = datetime.now(timezone.utc)
        self._announced: dict[str, datetime] = {}
        self._busy = False
        self._callback = PeriodicCallback(self._tick, interval * 1000)

    def start(self) -> None:
        self._callback.start()

    def stop(self) -> None:
        self._callback.stop()

    async def _tick(self) -> None:
        if self._busy:  # a slow database must not pile up checks
            return
        self._busy = True
        try:
            loop = asyncio.get_running_loop()
            changed = await loop.run_in_executor(
                self._executor, self._runs.changed_since, self._since - OVERLAP
            )
        except MLStudioError as exc:
            self._log.debug("ML Studio change watcher: %s", exc.message)
            return
        finally:
            self._busy = False
        for run_id, beat, start in changed:
            previous = self._announced.get(run_id)
            if previous == beat:
                continue
            self._announced[run_id] = beat
            # First sight of a run that started while we were watching: it is new.
            new = previous is None and start >= self._started - OVERLAP
            self._emit("runs", "created" if new else "updated", run_id)
            self._since = max(self._since, beat)
        if len(self._announced) > MAX_REMEMBERED:
            cutoff = self._since - OVERLAP
            self._announced = {k: v for k, v in self._announced.items() if v >= cutoff}
