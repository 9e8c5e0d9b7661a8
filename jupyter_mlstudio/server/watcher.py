"""Push changes that bypass the server (SDK writes from kernels, job processes) as events.

Once a second, off the event loop, the watcher asks each store which of its resources
changed recently and emits a ``resource_changed`` event for each, so open tables, charts
and job views update live without the browser polling. The look-back window overlaps the
previous one by a few seconds, because a transaction that commits late can carry an
earlier timestamp; a resource is re-announced only when its change time moved.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from tornado.ioloop import PeriodicCallback

from ..errors import MLStudioError

OVERLAP = timedelta(seconds=5)
MAX_REMEMBERED = 10_000

# (id, changed at, created at) of every resource changed since the given time
ChangedSince = Callable[[datetime], Sequence[tuple[str, datetime, datetime]]]


@dataclass
class _Source:
    resource: str
    changed_since: ChangedSince
    announced: dict[str, datetime] = field(default_factory=dict)


class ChangeWatcher:
    def __init__(
        self,
        sources: dict[str, ChangedSince],
        emit: Callable[[str, str, str], None],
        executor: Executor,
        log: logging.Logger,
        interval: float = 1.0,
    ) -> None:
        self._sources = [_Source(resource, fn) for resource, fn in sources.items()]
        self._emit = emit
        self._executor = executor
        self._log = log
        self._started = self._since = datetime.now(timezone.utc)
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
            since = self._since - OVERLAP
            results = []
            for source in self._sources:
                changed = await loop.run_in_executor(self._executor, source.changed_since, since)
                results.append((source, changed))
        except MLStudioError as exc:
            self._log.debug("ML Studio change watcher: %s", exc.message)
            return
        finally:
            self._busy = False
        newest = self._since
        for source, changed in results:
            for resource_id, beat, created in changed:
                previous = source.announced.get(resource_id)
                if previous == beat:
                    continue
                source.announced[resource_id] = beat
                # First sight of a resource created while we were watching: it is new.
                new = previous is None and created >= self._started - OVERLAP
                self._emit(source.resource, "created" if new else "updated", resource_id)
                newest = max(newest, beat)
            if len(source.announced) > MAX_REMEMBERED:
                cutoff = newest - OVERLAP
                source.announced = {k: v for k, v in source.announced.items() if v >= cutoff}
        self._since = newest
