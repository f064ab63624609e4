"""Offline stand-in for the topic sink: each topic becomes ``DIR/<topic>.jsonl``.

Used by the demo and offline tools, so the same flow writes files instead of Kafka topics.
Lines are flushed to disk at every epoch (``snapshot``).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from bytewax.outputs import FixedPartitionedSink, StatefulSinkPartition

from wagerflow.schemas.records import OutRecord


class _FilesPartition(StatefulSinkPartition[OutRecord, None]):
    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._dir = directory
        self._files: dict[str, IO[bytes]] = {}

    def write_batch(self, values: list[OutRecord]) -> None:
        for rec in values:
            f = self._files.get(rec.topic)
            if f is None:
                f = self._files[rec.topic] = (self._dir / f"{rec.topic}.jsonl").open("ab")
            f.write(rec.value + b"\n")

    def snapshot(self) -> None:
        for f in self._files.values():
            f.flush()

    def close(self) -> None:
        for f in self._files.values():
            f.close()


class JsonlSink(FixedPartitionedSink[OutRecord, None]):
    def __init__(self, directory: Path) -> None:
        self._dir = directory

    def list_parts(self) -> list[str]:
        return ["files"]

    def part_fn(self, item_key: str) -> int:
        return 0

    def build_part(self, step_id: str, for_part: str, resume_state: None) -> _FilesPartition:
        return _FilesPartition(self._dir)
