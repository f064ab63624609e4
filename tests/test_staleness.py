from hypothesis import given
from hypothesis import strategies as st

from wagerflow.pipeline.staleness import LatestByKey


@given(st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 100)), max_size=100))
def test_stale_means_older_than_the_newest_applied_for_that_key(
    stream: list[tuple[str, int]],
) -> None:
    latest = LatestByKey(horizon_ms=10**9, max_keys=100)
    newest: dict[str, int] = {}
    for key, at in stream:
        expected = key in newest and at < newest[key]
        assert latest.is_stale(key, at) == expected
        if not expected:
            newest[key] = at


@given(
    st.lists(st.tuples(st.text(max_size=3), st.integers(0, 10_000)), max_size=200),
    st.integers(1, 5),
)
def test_memory_is_bounded(stream: list[tuple[str, int]], cap: int) -> None:
    latest = LatestByKey(horizon_ms=100, max_keys=cap)
    for key, at in stream:
        latest.is_stale(key, at)
        assert len(latest) <= cap
