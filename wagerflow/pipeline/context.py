"""Settings the pipeline's rules need, fixed for a run."""

from __future__ import annotations

from dataclasses import dataclass, field

from wagerflow.pipeline.dedup import DEFAULT_HORIZON_MS, DEFAULT_MAX_KEYS
from wagerflow.pipeline.signing import Signing
from wagerflow.shard_key import DEFAULT_SHARDS


@dataclass(frozen=True, slots=True)
class NormalizeContext:
    tenant_id: str
    currency: str
    """The currency of Betfair sizes (the stream carries none)."""
    shards: int = DEFAULT_SHARDS
    dedup_horizon_ms: int = DEFAULT_HORIZON_MS
    dedup_max_keys: int = DEFAULT_MAX_KEYS
    signing: Signing = field(default_factory=Signing)
