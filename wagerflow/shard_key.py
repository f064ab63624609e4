"""Stable shard keys: stateful steps are keyed by shard, not by market (DESIGN §6)."""

import zlib

DEFAULT_SHARDS = 16


def shard_of(entity_id: str, shards: int = DEFAULT_SHARDS) -> str:
    """The shard key of an entity; the same id maps to the same shard on every run and worker."""
    return str(zlib.crc32(entity_id.encode()) % shards)
