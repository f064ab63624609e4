"""Replay recorded provider feeds as a source: one message per line (plain, .gz or .bz2), or one
message per file for ``.xml`` (a UOF message as captured).

Each file is one partition; its resume state is the next line number, so a recovered run
continues where the last snapshot left off exactly as with Kafka offsets.
"""

from __future__ import annotations

import bz2
import gzip
from collections.abc import Generator
from pathlib import Path
from typing import IO, cast

from bytewax.inputs import FixedPartitionedSource, StatefulSourcePartition

from wagerflow.schemas.records import RawBatch


def open_feed(path: Path) -> IO[bytes]:
    """Open a recorded feed for binary reading, decompressing by suffix."""
    if path.suffix == ".gz":
        return cast(IO[bytes], gzip.open(path, "rb"))
    if path.suffix == ".bz2":
        return cast(IO[bytes], bz2.open(path, "rb"))
    return path.open("rb")


def read_messages(path: Path) -> Generator[tuple[int, bytes], None, None]:
    """``(line number, message)`` of every message in a recorded feed, blank lines skipped."""
    if path.suffix == ".xml":
        yield 0, path.read_bytes().strip()
        return
    with open_feed(path) as f:
        for number, line in enumerate(f):
            line = line.rstrip(b"\r\n")
            if line:
                yield number, line


class _FilePartition(StatefulSourcePartition[RawBatch, int]):
    def __init__(self, provider: str, path: Path, start_line: int, batch_size: int) -> None:
        self._provider = provider
        self._name = path.name
        self._messages = read_messages(path)
        self._next = start_line
        self._batch_size = batch_size

    def next_batch(self) -> list[RawBatch]:
        offsets: list[int] = []
        values: list[bytes] = []
        for number, message in self._messages:
            if number < self._next:
                continue
            offsets.append(number)
            values.append(message)
            if len(values) >= self._batch_size:
                break
        if not values:
            raise StopIteration
        self._next = offsets[-1] + 1
        return [RawBatch(self._provider, self._name, 0, offsets, values)]

    def snapshot(self) -> int:
        return self._next

    def close(self) -> None:
        self._messages.close()


class FileSource(FixedPartitionedSource[RawBatch, int]):
    """Reads each ``(provider, file)`` once, in line order, ``batch_size`` lines at a time."""

    def __init__(self, feeds: list[tuple[str, Path]], batch_size: int = 500) -> None:
        self._feeds = {f"{provider}:{path.name}": (provider, path) for provider, path in feeds}
        if len(self._feeds) != len(feeds):
            msg = f"feed files of one provider must have distinct names: {feeds}"
            raise ValueError(msg)
        self._batch_size = batch_size

    def list_parts(self) -> list[str]:
        return list(self._feeds)

    def build_part(self, step_id: str, for_part: str, resume_state: int | None) -> _FilePartition:
        provider, path = self._feeds[for_part]
        return _FilePartition(provider, path, resume_state or 0, self._batch_size)
