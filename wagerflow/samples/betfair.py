"""A generated Betfair Exchange Stream sample, in the recorded format, for when the real
recordings are absent: markets open with a full image, prices move, the market suspends, and
it closes with WINNER / LOSER (and sometimes REMOVED) runners. Deterministic for a seed."""

from __future__ import annotations

import json
import random
from pathlib import Path

_LADDER = [1.5, 1.8, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0, 20.0, 30.0]


def _tick(price: float, steps: int) -> float:
    i = min(max(_LADDER.index(price) + steps, 0), len(_LADDER) - 2)
    return _LADDER[i]


def _definition(status: str, runners: list[dict[str, object]], event_id: str) -> dict[str, object]:
    return {
        "bspMarket": True,
        "eventId": event_id,
        "eventTypeId": "7",
        "marketType": "WIN",
        "numberOfWinners": 1,
        "bettingType": "ODDS",
        "inPlay": False,
        "status": status,
        "marketTime": "2026-01-10T15:00:00.000Z",
        "runners": runners,
    }


def _result(runner: int, winner: int, removed: int | None) -> str:
    if runner == removed:
        return "REMOVED"
    return "WINNER" if runner == winner else "LOSER"


def market_lines(market_id: str, seed: int, start_pt: int = 1_768_050_000_000) -> list[str]:
    """The stream lines of one generated market, from image to settlement."""
    rnd = random.Random(f"{market_id}:{seed}")  # noqa: S311  sample data, not cryptography
    ids = [30_000_000 + rnd.randrange(9_000_000) for _ in range(rnd.randint(4, 8))]
    removed = ids[-1] if rnd.random() < 0.3 else None
    backs = {rid: rnd.choice(_LADDER[1:-2]) for rid in ids}
    pt = start_pt
    lines: list[dict[str, object]] = []
    runners = [{"id": rid, "status": "ACTIVE", "sortPriority": n + 1} for n, rid in enumerate(ids)]
    image = {
        "id": market_id,
        "img": True,
        "marketDefinition": _definition("OPEN", runners, "90000001"),
        "rc": [
            {
                "id": rid,
                "atb": [[backs[rid], round(rnd.uniform(5, 200), 2)]],
                "atl": [[_tick(backs[rid], 1), round(rnd.uniform(5, 200), 2)]],
            }
            for rid in ids
        ],
    }
    lines.append({"op": "mcm", "clk": "1", "pt": pt, "mc": [image]})
    for n in range(rnd.randint(20, 40)):
        pt += rnd.randint(200, 3000)
        if n % 9 == 8:
            lines.append({"op": "mcm", "clk": str(n + 2), "pt": pt, "ct": "HEARTBEAT"})
            continue
        rid = rnd.choice(ids)
        old = backs[rid]
        backs[rid] = _tick(old, rnd.choice([-1, 1]))
        rc = {
            "id": rid,
            "atb": [[old, 0], [backs[rid], round(rnd.uniform(2, 300), 2)]],
            "atl": [[_tick(old, 1), 0], [_tick(backs[rid], 1), round(rnd.uniform(2, 300), 2)]],
            "trd": [[backs[rid], round(rnd.uniform(1, 50), 2)]],
            "ltp": backs[rid],
        }
        lines.append(
            {"op": "mcm", "clk": str(n + 2), "pt": pt, "mc": [{"id": market_id, "rc": [rc]}]}
        )
    pt += 1000
    lines.append(
        {
            "op": "mcm",
            "clk": "s",
            "pt": pt,
            "mc": [
                {"id": market_id, "marketDefinition": _definition("SUSPENDED", runners, "90000001")}
            ],
        }
    )
    winner = rnd.choice([rid for rid in ids if rid != removed])
    final = [
        {
            **r,
            "status": _result(int(str(r["id"])), winner, removed),
            "bsp": backs[int(str(r["id"]))],
        }
        for r in runners
    ]
    pt += 60_000
    closed = _definition("CLOSED", final, "90000001")
    closed["settledTime"] = "2026-01-10T15:02:00.000Z"
    lines.append(
        {"op": "mcm", "clk": "c", "pt": pt, "mc": [{"id": market_id, "marketDefinition": closed}]}
    )
    return [json.dumps(line, separators=(",", ":")) for line in lines]


def write_sample(directory: Path, markets: int = 5, seed: int = 7) -> list[Path]:
    """Write one stream file per generated market; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(markets):
        market_id = f"1.9{seed:02d}{n:06d}"
        path = directory / market_id
        path.write_text("\n".join(market_lines(market_id, seed)) + "\n")
        paths.append(path)
    return paths
