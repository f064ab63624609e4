"""Analytics table declarations: a row, and a table's insert columns and identity (what the
analytics rules build and the ClickHouse sink writes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Row = Sequence[Any]


@dataclass(frozen=True, slots=True)
class TableSpec:
    """A table the sink writes: its insert columns (the order of a row) and the columns that
    identify a row (its ReplacingMergeTree identity, and what a block's token is made of)."""

    columns: tuple[str, ...]
    key: tuple[str, ...]

    def __post_init__(self) -> None:
        missing = [k for k in self.key if k not in self.columns]
        if missing or not self.key:
            msg = f"key columns {list(self.key)} must be a non-empty subset of the columns"
            raise ValueError(msg)

    @property
    def key_indexes(self) -> list[int]:
        return [self.columns.index(k) for k in self.key]
