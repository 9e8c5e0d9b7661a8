"""The online store on Redis (``redis://host:port/db``), for serving many processes.

Each record is a hash ``<prefix>:{<group>}:r:<id>`` with fields ``t`` (event time, µs),
``d`` ("1" for a tombstone) and ``p`` (the JSON payload). Two sets per group keep the
ids seen (``…:ids``, for ``drop_group``) and the live ids (``…:live``, for ``count``).
The group sits in a hash tag so all of a group's keys share one cluster slot, which the
Lua script needs. The event-time rule (keep unless the held record is later; a tie goes
to the newer write) is applied to the whole put inside one Lua script: atomic, and
concurrent writers cannot interleave between the compare and the set.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ..errors import InvalidArgumentError, StoreUnavailableError
from .online import MAX_BATCH_GET, OnlineRecord, OnlineStore, latest_per_id

KEY_PREFIX = "mlstudio:online"
_DROP_CHUNK = 500

# KEYS: live set, ids set, then one hash per record. ARGV: id, event time, deleted, payload
# per record. Event times are compared as Lua numbers (doubles): exact for microseconds
# up to 2^53 (the year 2255).
_PUT_SCRIPT = """
local live, ids = KEYS[1], KEYS[2]
for i = 3, #KEYS do
  local j = (i - 3) * 4
  local id, t, d, p = ARGV[j + 1], ARGV[j + 2], ARGV[j + 3], ARGV[j + 4]
  local held = redis.call('HGET', KEYS[i], 't')
  if (not held) or tonumber(held) <= tonumber(t) then
    redis.call('HSET', KEYS[i], 't', t, 'd', d, 'p', p)
    redis.call('SADD', ids, id)
    if d == '1' then
      redis.call('SREM', live, id)
    else
      redis.call('SADD', live, id)
    end
  end
end
return 0
"""

T = TypeVar("T")


class RedisOnlineStore(OnlineStore):
    """On one Redis database; thread-safe (the client keeps a connection pool)."""

    def __init__(self, client: redis.Redis, *, prefix: str = KEY_PREFIX) -> None:
        self._client = client
        self._prefix = prefix
        self._put = client.register_script(_PUT_SCRIPT)

    @classmethod
    def open(cls, uri: str, *, prefix: str = KEY_PREFIX) -> RedisOnlineStore:
        try:
            client = redis.Redis.from_url(uri, socket_timeout=10, socket_connect_timeout=5)
        except ValueError as exc:
            raise InvalidArgumentError(f"Bad Redis URL for the online store: {exc}") from exc
        return cls(client, prefix=prefix)

    def _group(self, group_id: str) -> str:
        return f"{self._prefix}:{{{group_id}}}"

    def _record_key(self, group_id: str, record_id: str) -> str:
        return f"{self._group(group_id)}:r:{record_id}"

    def _call(self, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except (RedisConnectionError, RedisTimeoutError) as exc:
            raise StoreUnavailableError(f"The Redis online store is unreachable: {exc}") from exc

    def put(self, group_id: str, records: Sequence[OnlineRecord]) -> None:
        kept = latest_per_id(records)
        if not kept:
            return
        group = self._group(group_id)
        keys = [f"{group}:live", f"{group}:ids"]
        args: list[str | int] = []
        for r in kept:
            keys.append(self._record_key(group_id, r.record_id))
            args += [r.record_id, r.event_time_us, "1" if r.deleted else "0", r.payload]
        self._call(lambda: self._put(keys=keys, args=args))

    def get(self, group_id: str, record_id: str) -> OnlineRecord | None:
        return self.get_many(group_id, [record_id]).get(record_id)

    def get_many(self, group_id: str, record_ids: Sequence[str]) -> dict[str, OnlineRecord]:
        if len(record_ids) > MAX_BATCH_GET:
            raise InvalidArgumentError(f"A batch lookup asks for at most {MAX_BATCH_GET} ids.")
        ids = list(dict.fromkeys(record_ids))
        if not ids:
            return {}

        def fetch() -> list[Any]:
            # one round trip: the HMGETs go out together, no MULTI needed to read
            pipe = self._client.pipeline(transaction=False)
            for record_id in ids:
                pipe.hmget(self._record_key(group_id, record_id), ["t", "d", "p"])
            return pipe.execute()

        found: dict[str, OnlineRecord] = {}
        for record_id, (t, d, p) in zip(ids, self._call(fetch), strict=True):
            if t is not None:
                found[record_id] = OnlineRecord(record_id, int(t), p.decode(), d == b"1")
        return found

    def count(self, group_id: str) -> int:
        return int(self._call(lambda: self._client.scard(f"{self._group(group_id)}:live")))

    def drop_group(self, group_id: str) -> None:
        group = self._group(group_id)

        def drop() -> None:
            chunk: list[str] = []
            for raw in self._client.sscan_iter(f"{group}:ids", count=_DROP_CHUNK):
                chunk.append(self._record_key(group_id, raw.decode()))
                if len(chunk) >= _DROP_CHUNK:
                    self._client.unlink(*chunk)
                    chunk = []
            if chunk:
                self._client.unlink(*chunk)
            self._client.unlink(f"{group}:ids", f"{group}:live")

        self._call(drop)

    def close(self) -> None:
        self._client.close()
