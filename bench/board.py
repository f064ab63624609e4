"""bench/board: the risk board under N open pages streaming updates.

    .venv/bin/python -m bench.board [--clients 100] [--seconds 20] [--write-every 0.5]

Starts its own redis-server and a ``wagerflow board`` process on it, then, in two phases, a
writer changes one line's exposure every ``--write-every`` seconds through the flow's own Redis
exposure sink, while (1) one page (the lean baseline) and (2) ``--clients`` pages hold the
server-sent event stream open. A page is a raw HTTP connection to ``/events``: it timestamps
every pushed message that carries the liabilities section. The update delay is that time minus
the time the writer's batch was written; the server's CPU is its process time over the phase
(``/proc``), as a share of one core. Not a timed test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from wagerflow.connectors.redis_exposure import RedisExposureSink
from wagerflow.devenv import process
from wagerflow.devenv import redis as dev_redis
from wagerflow.schemas.risk import LineExposure, SelectionExposure

TENANT = "bench"
TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _line(version: int, stake: int) -> LineExposure:
    return LineExposure(
        tenant_id=TENANT,
        version=version,
        as_of_ms=time.time_ns() // 1_000_000,
        event_id="ev-bench",
        line_id="1",
        book="IN_PLAY",
        currency="EUR",
        selections=[
            SelectionExposure(
                selection_id="1",
                bets=1,
                open_stake=stake,
                potential_return=stake * 2,
                liability=stake,
            )
        ],
        open_stake=stake,
        worst_case=stake,
    )


async def _page(port: int, received: list[float], ready: asyncio.Event) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    await writer.drain()
    buf = b""
    try:
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                return
            now = time.time()
            buf += chunk
            *messages, buf = buf.split(b"\n\n")
            for message in messages:
                if b"event: sections" in message:
                    ready.set()
                    if b'"liabilities":' in message.split(b'"html"', 1)[0]:
                        received.append(now)
    finally:
        writer.close()


async def _phase(
    port: int, pid: int, url: str, clients: int, seconds: float, every: float
) -> dict[str, float]:
    part = RedisExposureSink(url).build_part("bench", "redis-exposure", None)
    received: list[list[float]] = [[] for _ in range(clients)]
    readies = [asyncio.Event() for _ in range(clients)]
    pages = [asyncio.create_task(_page(port, received[i], readies[i])) for i in range(clients)]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 30)
    for got in received:
        got.clear()
    writes: list[float] = []
    cpu0, wall0 = _cpu_s(pid), time.monotonic()
    while time.monotonic() - wall0 < seconds:
        version = len(writes) + 1
        writes.append(time.time())
        record = _line(time.time_ns() // 1_000, 1_000 + version)  # versions rise across phases
        await asyncio.to_thread(part.write_batch, [record])
        await asyncio.sleep(every)
    await asyncio.sleep(1.0)
    cpu = (_cpu_s(pid) - cpu0) / (time.monotonic() - wall0)
    for task in pages:
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.gather(*pages, return_exceptions=True)
    part.close()
    delays = []
    for got in received:
        for at in got:
            before = [w for w in writes if w <= at]
            if before:
                delays.append((at - before[-1]) * 1000)
    delays.sort()
    q = statistics.quantiles(delays, n=100) if len(delays) >= 2 else [0.0] * 99
    return {
        "clients": clients,
        "writes": len(writes),
        "updates": len(delays),
        "cpu": cpu * 100,
        "p50": q[49],
        "p99": q[98],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--write-every", type=float, default=0.5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = dev_redis.RedisPaths(Path(tmp) / "redis")
        url = dev_redis.start(paths)
        port = process.free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("WAGERFLOW_")}
        env.update(REDIS_URL=url, WAGERFLOW_TENANT=TENANT, WAGERFLOW_HOME=tmp)
        board = subprocess.Popen(
            [sys.executable, "-m", "wagerflow.cli", "board", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).close()  # noqa: S310
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
            rows = [
                asyncio.run(_phase(port, board.pid, url, n, args.seconds, args.write_every))
                for n in (1, args.clients)
            ]
        finally:
            board.terminate()
            board.wait(10)
            process.stop(paths.pid)
    print(f"board: one line changed every {args.write_every}s for {args.seconds:.0f}s per phase")
    print("| open pages | writes | updates received | server CPU, % of a core | p50 ms | p99 ms |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['clients']:.0f} | {r['writes']:.0f} | {r['updates']:.0f} | {r['cpu']:.1f} | "
            f"{r['p50']:.0f} | {r['p99']:.0f} |"
        )


if __name__ == "__main__":
    main()
