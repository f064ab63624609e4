"""The shard rules over whole streams of every provider: duplication, re-batching and any
interleaving that keeps each entity's order give the same deduplicated output."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from wagerflow.adapters.base import PendingEvent
from wagerflow.pipeline.context import NormalizeContext
from wagerflow.pipeline.decode import decode_batch
from wagerflow.pipeline.normalize_state import AcceptedEvent, NormalizeShardState
from wagerflow.samples import bridge_common
from wagerflow.samples import evolution as evolution_samples
from wagerflow.samples import generic as generic_samples
from wagerflow.samples import hub88 as hub88_samples
from wagerflow.samples import live as live_samples
from wagerflow.samples import pragmatic as pragmatic_samples
from wagerflow.samples import uof as uof_samples
from wagerflow.schemas.records import RawBatch

CTX = NormalizeContext("t1", "GBP")
STREAMS = {
    "uof": uof_samples.uof_lines(3, 2),
    "generic": generic_samples.generic_lines(3, 2),
    "live": live_samples.live_lines(3, 4),
    "hub88": hub88_samples.hub88_lines(3, 15),
    "evolution": evolution_samples.evolution_lines(3, 15),
    "pragmatic": pragmatic_samples.pragmatic_lines(3, 15),
}


def _order_group(provider: str, line: bytes) -> str:
    """What a message must stay ordered with: its entity; for UOF, whose one message may touch
    many lines of a match, the match."""
    work, _, _ = decode_batch(RawBatch(provider, "f", 0, [0], [line]), CTX)
    first = work[0][1] if work else None
    if not isinstance(first, PendingEvent):
        return ""
    if provider == "uof":
        return str(getattr(first.event, "event_id", first.entity))
    return first.entity


def _run(provider: str, batches: list[list[bytes]]) -> dict[str, list[str]]:
    """Emitted dedup keys per entity, in order."""
    shard = NormalizeShardState(CTX)
    per_entity: dict[str, list[str]] = defaultdict(list)
    offset = 0
    for lines in batches:
        offsets = list(range(offset, offset + len(lines)))
        offset += len(lines)
        work, dlq, _ = decode_batch(RawBatch(provider, "f", 0, offsets, lines), CTX)
        assert dlq == []
        for item in shard.apply([w for _, w in work]):
            assert isinstance(item, AcceptedEvent), item
            per_entity[item.entity].append(item.event.dedup_key)
    return dict(per_entity)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sorted(STREAMS)), st.data())
def test_duplication_rebatching_and_interleaving_do_not_change_the_output(
    provider: str, data: st.DataObject
) -> None:
    lines = STREAMS[provider]
    reference = _run(provider, [lines])

    # split into per-entity queues, then interleave them in a random order (each keeps its own)
    queues: dict[str, list[bytes]] = defaultdict(list)
    for line in lines:
        copies = data.draw(st.integers(1, 2), label="copies")
        queues[_order_group(provider, line)].extend([line] * copies)
    order = data.draw(st.permutations([e for e, q in queues.items() for _ in q]), label="order")
    cursors = dict.fromkeys(queues, 0)
    shuffled = []
    for entity in order:
        shuffled.append(queues[entity][cursors[entity]])
        cursors[entity] += 1
    cuts = sorted(data.draw(st.sets(st.integers(1, max(1, len(shuffled) - 1)), max_size=6)))
    batches = [shuffled[lo:hi] for lo, hi in zip([0, *cuts], [*cuts, len(shuffled)], strict=True)]

    assert _run(provider, [b for b in batches if b]) == reference


def test_a_provider_with_a_later_clock_does_not_expire_another_providers_keys() -> None:
    """Recorded feeds from last year replayed beside a live feed: dedup is per provider clock."""
    shard = NormalizeShardState(CTX)
    old = STREAMS["pragmatic"][0]
    live_now = hub88_samples.hub88_lines(9, 1)[0]
    year = 365 * 24 * 3600 * 1000

    def apply(provider: str, line: bytes, received: int | None) -> list[object]:
        stamps = None if received is None else [received]
        work, _, _ = decode_batch(RawBatch(provider, "f", 0, [0], [line], stamps), CTX)
        return list(shard.apply([w for _, w in work]))

    assert len(apply("pragmatic", old, None)) == 1
    first_hub88 = apply("hub88", live_now, bridge_common.START_MS + year)
    assert len(first_hub88) == 1
    assert apply("pragmatic", old, None) == []  # still remembered: a duplicate
    assert shard.take_tally().duplicates == 1
