"""``wagerflow normalize``: the normalize rules over recorded files, without Kafka or Bytewax.

The same adapters, dedup and stale rules as the flow (``wagerflow.normalize``); the output lines
have the same shape as the normalized topics, and DLQ entries the shape of the ``dlq`` topic.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from wagerflow.connectors.file_source import read_messages
from wagerflow.errors import WagerflowError
from wagerflow.pipeline.context import NormalizeContext
from wagerflow.pipeline.decode import decode_batch
from wagerflow.pipeline.normalize_state import AcceptedEvent, NormalizeShardState
from wagerflow.schemas.dlq import DLQ_ENCODER, DlqEntry
from wagerflow.schemas.events import EVENT_ENCODER
from wagerflow.schemas.records import RawBatch

BATCH_LINES = 1000


@dataclass
class OfflineSummary:
    received: int = 0
    heartbeats: int = 0
    emitted: int = 0
    duplicates: int = 0
    stale: int = 0
    dlq: Counter[str] = field(default_factory=Counter)

    def render(self) -> str:
        reasons = ", ".join(f"{r} {n}" for r, n in sorted(self.dlq.items())) or "none"
        return (
            f"in {self.received}, out {self.emitted}, heartbeats {self.heartbeats}, "
            f"duplicates {self.duplicates}, stale {self.stale}, "
            f"DLQ {sum(self.dlq.values())} ({reasons})"
        )


def dlq_path_for(out: Path) -> Path:
    """``OUT.jsonl`` -> ``OUT.dlq.jsonl`` beside it."""
    stem = out.name[: -len(".jsonl")] if out.name.endswith(".jsonl") else out.name
    return out.with_name(f"{stem}.dlq.jsonl")


def _batches(provider: str, path: Path) -> Iterator[RawBatch]:
    offsets: list[int] = []
    values: list[bytes] = []
    for number, message in read_messages(path):
        offsets.append(number)
        values.append(message)
        if len(values) == BATCH_LINES:
            yield RawBatch(provider, path.name, 0, offsets, values)
            offsets, values = [], []
    if values:
        yield RawBatch(provider, path.name, 0, offsets, values)


def normalize_files(
    provider: str,
    files: list[Path],
    ctx: NormalizeContext,
    out: Path,
    progress: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
) -> OfflineSummary:
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        msg = f"no such input file: {', '.join(missing)}"
        raise WagerflowError(msg)
    summary = OfflineSummary()
    shard = NormalizeShardState(ctx)
    with out.open("wb") as events_file, dlq_path_for(out).open("wb") as dlq_file:
        for path in files:
            for batch in _batches(provider, path):
                work, rejected, tally = decode_batch(batch, ctx)
                summary.received += tally.received
                summary.heartbeats += tally.heartbeats
                for entry in rejected:
                    summary.dlq[entry.reason] += 1
                    dlq_file.write(DLQ_ENCODER.encode(entry) + b"\n")
                for item in shard.apply([w for _, w in work]):
                    if isinstance(item, DlqEntry):
                        summary.dlq[item.reason] += 1
                        dlq_file.write(DLQ_ENCODER.encode(item) + b"\n")
                    elif isinstance(item, AcceptedEvent):
                        summary.emitted += 1
                        events_file.write(EVENT_ENCODER.encode(item.event) + b"\n")
            progress(f"{path.name}: {summary.render()}")
    counts = shard.take_tally()
    summary.duplicates, summary.stale = counts.duplicates, counts.stale
    return summary
