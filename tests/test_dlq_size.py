"""No poison message: a DLQ entry of any size is written, its original kept whole when it fits
the DLQ topic, else by reference (size and sha256 of the bytes still on the raw topic)."""

from __future__ import annotations

import hashlib
import os

import pytest

from wagerflow.pipeline.outputs import dlq_record
from wagerflow.schemas.dlq import DLQ_DECODER, DlqEntry, Reason
from wagerflow.schemas.events import SourceRef
from wagerflow.topics import DLQ_MAX_MESSAGE_BYTES, Topics


def _entry(raw: bytes) -> DlqEntry:
    return DlqEntry(
        reason=Reason.MALFORMED,
        detail="not JSON",
        provider_id="generic",
        tenant_id="t1",
        source=SourceRef(topic="raw.generic", partition=2, offset=41),
        raw=raw,
    )


@pytest.mark.parametrize("size", [0, 1, 1000, 700_000, 750_000, 2_000_000, 10_000_000])
def test_every_dlq_message_fits_the_topic_and_names_its_original(size: int) -> None:
    raw = os.urandom(size)
    record = dlq_record(_entry(raw), Topics(""))
    assert len(record.value) <= DLQ_MAX_MESSAGE_BYTES
    back = DLQ_DECODER.decode(record.value)
    assert back.source == SourceRef(topic="raw.generic", partition=2, offset=41)
    assert back.reason == Reason.MALFORMED
    if back.raw_sha256 is None:
        assert back.raw == raw
    else:
        assert back.raw == b""
        assert back.raw_size == size
        assert back.raw_sha256 == hashlib.sha256(raw).hexdigest()


def test_an_original_that_fits_is_kept_whole_and_one_that_does_not_by_reference() -> None:
    assert DLQ_DECODER.decode(dlq_record(_entry(b"x" * 600_000), Topics("")).value).raw_size is None
    big = DLQ_DECODER.decode(dlq_record(_entry(b"x" * 750_000), Topics("")).value)
    assert big.raw_size == 750_000
