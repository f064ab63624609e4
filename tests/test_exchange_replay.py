"""Real data: the Betfair recordings replayed with generated bets on their markets. The risk
layer suspends a market when the feed suspends it, and releases every bet when the feed
settles it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.flowproc import final_exposures
from wagerflow.commands.replay import replay
from wagerflow.pipeline.context import NormalizeContext
from wagerflow.samples.exchange_bets import exchange_bets, open_quotes

CTX = NormalizeContext("t1", "GBP")


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_bytes().splitlines()]


@pytest.mark.parametrize("market", ["1.197931750", "1.197931751"])
def test_recorded_markets_suspend_and_settle_the_bets_on_them(
    tmp_path: Path, betfair_recordings: dict[str, Path], market: str
) -> None:
    recording = betfair_recordings[market]
    lines = [ln for ln in recording.read_bytes().splitlines() if ln]
    bets = tmp_path / "bets.jsonl"
    bets.write_bytes(b"\n".join(exchange_bets(lines, seed=3, count=40)) + b"\n")
    out = tmp_path / "out"
    replay([("betfair", recording), ("generic", bets)], out, CTX, None, say=lambda _: None)

    statuses = [
        r["status"] for r in _records(out / "norm.markets.jsonl") if r["type"] == "market.status"
    ]
    assert "SUSPENDED" in statuses and statuses[-1] == "CLOSED"
    control = [
        c for c in _records(out / "market.control.jsonl") if c["rule"] == "PROVIDER_BET_STOP"
    ]
    assert [c["type"] for c in control] == ["market.suspend", "market.resume"]
    assert {(c["event_id"], c["line_id"]) for c in control} == {(market, market)}

    exposures = (out / "exposure.jsonl").read_bytes().splitlines()
    lines_seen = [json.loads(x) for x in exposures if b'"exposure.line"' in x]
    assert any(x["line_id"] == market and x["open_stake"] > 0 for x in lines_seen)
    still_open = final_exposures(exposures)  # keys whose latest figures are not zero
    assert not [v for v in still_open.values() if market in (v.get("line_id"), v["event_id"])]
    placed = [r for r in _records(out / "norm.bets.jsonl") if r["type"] == "bet.placed"]
    assert len(placed) == 40
    (result,) = [r for r in _records(out / "norm.results.jsonl") if r["type"] == "market.result"]
    won = {x["selection_id"] for x in result["results"] if x["result"] == "WINNER"}  # MONEY §2
    voided = {x["selection_id"] for x in result["results"] if x["result"] == "REMOVED"}
    messages = [m for m in _records(out / "settlements.jsonl") if m["type"] == "round.settle"]
    settled = {b["bet_id"]: b for m in messages for b in m["bets"]}
    assert set(settled) == {p["bet_id"] for p in placed}
    for bet in placed:
        selection = bet["selections"][0]["selection_id"]
        got = settled[bet["bet_id"]]
        if selection in won:
            assert (got["outcome"], got["payout"]) == ("WIN", bet["potential_payout"])
        elif selection in voided:
            assert (got["outcome"], got["payout"]) == ("VOID", bet["stake"])
        else:
            assert (got["outcome"], got["payout"]) == ("LOSE", 0)
    quotes = open_quotes(lines)
    assert {q.market_id for q in quotes} == {market}
