"""Dedup verdicts against a naive oracle over random streams."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from wagerflow.pipeline.dedup import Deduplicator, Verdict

HORIZON = 1_000

messages = st.lists(
    st.tuples(st.sampled_from("abcdefgh"), st.integers(0, 2), st.integers(0, 5_000)),
    max_size=200,
).map(lambda ms: sorted(ms, key=lambda m: m[2]))  # event time order


@given(messages)
def test_verdicts_match_a_naive_oracle_when_memory_is_ample(
    stream: list[tuple[str, int, int]],
) -> None:
    dedup = Deduplicator(horizon_ms=HORIZON, max_keys=10_000)
    kept: dict[str, tuple[int, int]] = {}
    watermark = 0
    for key, fp, at in stream:
        held = kept.get(key)
        if held is not None and held[1] >= watermark - HORIZON:
            expected = Verdict.DUPLICATE if held[0] == fp else Verdict.CONFLICT
        else:
            expected = Verdict.NEW
            kept[key] = (fp, at)
            watermark = max(watermark, at)
        assert dedup.check(key, fp, at) == expected


@given(messages, st.integers(1, 5))
def test_memory_never_exceeds_the_cap(stream: list[tuple[str, int, int]], cap: int) -> None:
    dedup = Deduplicator(horizon_ms=HORIZON, max_keys=cap)
    for key, fp, at in stream:
        dedup.check(key, fp, at)
        assert len(dedup) <= cap


@given(messages)
def test_any_duplication_of_a_stream_yields_the_same_new_set(
    stream: list[tuple[str, int, int]],
) -> None:
    def news(s: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
        d = Deduplicator(horizon_ms=10**9)
        return [m for m in s if d.check(*m) == Verdict.NEW]

    doubled = [m for m in stream for _ in (0, 1)]
    assert news(doubled) == news(stream)


def test_a_key_expires_after_the_horizon() -> None:
    dedup = Deduplicator(horizon_ms=100)
    assert dedup.check("k", 1, 0) == Verdict.NEW
    assert dedup.check("k", 1, 50) == Verdict.DUPLICATE
    assert dedup.check("x", 1, 500) == Verdict.NEW
    assert dedup.check("k", 1, 501) == Verdict.NEW


@given(messages)
def test_correctable_keys_match_a_naive_oracle(stream: list[tuple[str, int, int]]) -> None:
    """Keys a-d are of a correctable type: a new fingerprint under a seen key is a correction
    that replaces it, and any fingerprint seen under the key is a duplicate; e-h keep the
    conflict rule. A correction restarts its key's horizon."""
    dedup = Deduplicator(horizon_ms=HORIZON, max_keys=10_000)
    kept: dict[str, tuple[set[int], int]] = {}
    watermark = 0
    for key, fp, at in stream:
        correctable = key in "abcd"
        held = kept.get(key)
        if held is None or held[1] < watermark - HORIZON:
            expected = Verdict.NEW
            kept[key] = ({fp}, at)
        elif fp in held[0]:
            expected = Verdict.DUPLICATE
        elif correctable:
            expected = Verdict.CORRECTION
            kept[key] = (held[0] | {fp}, max(at, held[1]))
        else:
            expected = Verdict.CONFLICT
        if expected in (Verdict.NEW, Verdict.CORRECTION):
            watermark = max(watermark, at)
        assert dedup.check(key, fp, at, correctable) == expected
