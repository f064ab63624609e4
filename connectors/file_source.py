"""Replay recorded provider feeds (one message per line; plain, .gz or .bz2) as a source.

Each file is one partition; its resume state is the next line number, so a recovered run
continues where the last snapshot left off exactly as with Kafka offsets.
"""

from __future__ import annotations

import bz2
import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import IO, cast

from bytewax.inputs import FixedPartitionedSource, StatefulSourcePartition

from connectors.records import RawBatch


def open_feed(path: Path) -> IO[bytes]:
    """Open a recorded feed for binary reading, decompressing by suffix."""
    if path.suffix == ".gz":
        return cast(IO[bytes], gzip.open(path, "rb"))
    if path.suffix == ".bz2":
        return cast(IO[bytes], bz2.open(path, "rb"))
    return path.open("rb")


class _FilePartition(StatefulSourcePartition[RawBatch, int]):
    def __init__(self, path: Path, start_line: int, batch_size: int) -> None:
        self._name = path.name
        self._file = open_feed(path)
        self._lines: Iterator[bytes] = iter(self._file)
        self._next = 0
        self._batch_size = batch_size
        while self._next < start_line and next(self._lines, None) is not None:
            self._next += 1

    def next_batch(self) -> list[RawBatch]:
        offsets: list[int] = []
        values: list[bytes] = []
        for line in self._lines:
            line = line.rstrip(b"\r\n")
            if line:
                offsets.append(self._next)
                values.append(line)
            self._next += 1
            if len(values) >= self._batch_size:
                break
        if not values:
            raise StopIteration
        return [RawBatch(self._name, 0, offsets, values)]

    def snapshot(self) -> int:
        return self._next

    def close(self) -> None:
        self._file.close()


class FileSource(FixedPartitionedSource[RawBatch, int]):
    """Reads each file once, in line order, ``batch_size`` lines at a time."""

    def __init__(self, paths: list[Path], batch_size: int = 500) -> None:
        names = [p.name for p in paths]
        if len(set(names)) != len(names):
            msg = f"feed files must have distinct names (they name the partitions): {names}"
            raise ValueError(msg)
        self._paths = {p.name: p for p in paths}
        self._batch_size = batch_size

    def list_parts(self) -> list[str]:
        return list(self._paths)

    def build_part(self, step_id: str, for_part: str, resume_state: int | None) -> _FilePartition:
        return _FilePartition(self._paths[for_part], resume_state or 0, self._batch_size)
