"""The main job on its embedded default: no Kafka, no configuration."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from wagerflow.pipeline.context import NormalizeContext
from wagerflow.pipeline.decode import decode_batch
from wagerflow.pipeline.normalize_state import AcceptedEvent, NormalizeShardState
from wagerflow.samples import betfair as betfair_samples
from wagerflow.schemas.events import MarketSettled
from wagerflow.schemas.records import RawBatch

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def _demo(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_URL", "WAGERFLOW_"))}
    env["WAGERFLOW_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "wagerflow.cli", "demo", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_demo_on_the_recordings_reports_the_recorded_winners(
    tmp_path: Path, betfair_recordings: dict[str, Path]
) -> None:
    done = _demo(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "3 recorded Betfair streams" in done.stdout
    assert "4 recorded UOF messages" in done.stdout
    assert "1.197931750: winner(s) 37947503  (Redis agrees)" in done.stdout
    assert "Betfair markets seen  3" in done.stdout
    assert "DLQ entries           0" in done.stdout
    assert re.search(r"^  exposure updates +[1-9]", done.stdout, re.MULTILINE)
    assert re.search(r"^  settlements +[1-9]\d* bet versions", done.stdout, re.MULTILINE)
    for provider in ("betfair", "uof", "generic", "live", "hub88", "evolution", "pragmatic"):
        assert re.search(rf"^    {provider} +[1-9]", done.stdout, re.MULTILINE), provider


def test_demo_on_the_generated_sample_settles_every_market(tmp_path: Path) -> None:
    done = _demo(tmp_path, "--generated")
    assert done.returncode == 0, done.stderr
    assert "a generated Betfair sample" in done.stdout
    assert "a generated UOF feed" in done.stdout
    assert "settled markets       5" in done.stdout
    assert "DLQ entries           0" in done.stdout
    assert done.stdout.count("(Redis agrees)") == 5


def test_generated_markets_open_move_suspend_and_close_with_one_winner() -> None:
    ctx = NormalizeContext("t", "GBP")
    for n in range(20):
        lines = [ln.encode() for ln in betfair_samples.market_lines(f"1.7{n:06d}", seed=n)]
        work, dlq, tally = decode_batch(
            RawBatch("betfair", "g", 0, list(range(len(lines))), lines), ctx
        )
        assert dlq == [] and tally.heartbeats >= 1
        out = NormalizeShardState(ctx).apply([w for _, w in work])
        (settled,) = [
            e.event
            for e in out
            if isinstance(e, AcceptedEvent) and isinstance(e.event, MarketSettled)
        ]
        assert len(settled.winners) == 1
