"""``wagerflow replay PROVIDER=FILE… [--limits FILE] -o DIR``: backtest the whole pipeline.

The recorded raw feeds are merged by their own timestamps (ties keep the order of the
arguments, then of the lines; a message that does not decode sorts first and reaches the
DLQ) and run through the same flow code as ``wagerflow run``, with a file source instead of
Kafka. Every output stream is written as JSON lines in DIR (one file
per topic: the normalized topics, ``exposure``, ``market.control``, ``limit.breach``,
``settlements`` (every bet's ``settlement.bet`` versions and the ``round.settle`` messages),
``dlq``),
with ``summary.json``. Each file is sorted by time (then version): the same files and settings
give byte-identical output, whatever the batching.

The analytics rows (``norm_events``, ``bets``, ``settlements``, ``ggr_hourly`` …) go to the
configured ClickHouse, the embedded engine under ``WAGERFLOW_HOME`` by default, migrated first,
so a backtest's GGR can be queried with ``wagerflow sql`` (``replay(rows=None)``, a library
call without a sink, discards them).
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from bytewax.outputs import Sink
from bytewax.testing import run_main

from wagerflow.adapters.registry import PROVIDERS, identify
from wagerflow.analytics.pseudonym import Pseudonymizer
from wagerflow.commands.risk_files import RiskFiles, risk_context
from wagerflow.config import DEV_PSEUDONYM_KEY
from wagerflow.connectors.discard import DiscardSink
from wagerflow.connectors.file_source import read_messages
from wagerflow.connectors.jsonl_sink import JsonlSink
from wagerflow.connectors.merged_source import MergedSource, TimedMessage
from wagerflow.errors import ConfigError
from wagerflow.flows.normalize import NormalizeSinks
from wagerflow.flows.risk import RiskSinks, build_pipeline_flow
from wagerflow.pipeline.context import NormalizeContext
from wagerflow.topics import Topics


def parse_feeds(specs: list[str]) -> list[tuple[str, Path]]:
    """``provider=FILE`` arguments -> ``(provider, path)``; a clear error for a bad one."""
    feeds = []
    for spec in specs:
        provider, sep, path = spec.partition("=")
        if not sep or provider not in PROVIDERS or not path:
            msg = (
                f"feeds are PROVIDER=FILE with PROVIDER one of {', '.join(PROVIDERS)}; got {spec!r}"
            )
            raise ConfigError(msg)
        if not Path(path).is_file():
            msg = f"no such feed file: {path}"
            raise ConfigError(msg)
        feeds.append((provider, Path(path)))
    return feeds


def merge(feeds: list[tuple[str, Path]]) -> list[TimedMessage]:
    messages = [
        (identify(provider, raw).time_ms, n, TimedMessage(0, provider, path.name, offset, raw))
        for n, (provider, path) in enumerate(feeds)
        for offset, raw in read_messages(path)
    ]
    messages.sort(key=lambda m: (m[0], m[1], m[2].offset))
    return [m._replace(time_ms=t) for t, _, m in messages]


@dataclass(frozen=True)
class ReplaySummary:
    messages: int
    outputs: dict[str, int]
    suspensions: dict[str, int]
    breaches: dict[str, int]

    def render(self) -> str:
        lines = [f"replayed {self.messages} messages"]
        lines += [f"  {topic:<20} {n}" for topic, n in sorted(self.outputs.items())]
        suspended = ", ".join(f"{k} {v}" for k, v in sorted(self.suspensions.items())) or "none"
        breached = ", ".join(f"{k} {v}" for k, v in sorted(self.breaches.items())) or "none"
        lines += [f"  suspensions by rule: {suspended}", f"  limit breaches by rule: {breached}"]
        return "\n".join(lines)


def _canonical(line: bytes) -> tuple[int, int, bytes]:
    record = json.loads(line)
    time = record.get("event_time_ms") or record.get("as_of_ms") or record.get("settled_at_ms") or 0
    return int(time), int(record.get("version") or 0), line


def canonicalize(out_dir: Path) -> None:
    """Sort every output file by (time, version, content). Within a shard the flow's order is
    fixed by the merged input, but how shards interleave in a file depends on batching: sorting
    makes the files byte-identical for the same input."""
    for path in out_dir.glob("*.jsonl"):
        lines = path.read_bytes().splitlines()
        path.write_bytes(b"".join(line + b"\n" for line in sorted(lines, key=_canonical)))


def _summarize(out_dir: Path, messages: int, topics: Topics) -> ReplaySummary:
    outputs = {}
    suspensions: Counter[str] = Counter()
    breaches: Counter[str] = Counter()
    for path in sorted(out_dir.glob("*.jsonl")):
        lines = path.read_bytes().splitlines()
        outputs[path.stem] = len(lines)
        if path.stem == topics.name("market.control"):
            commands = map(json.loads, lines)
            holds = ("market.suspend", "table.suspend")
            suspensions.update(c["rule"] for c in commands if c["type"] in holds)
        if path.stem == topics.name("limit.breach"):
            breaches.update(json.loads(x)["rule"] for x in lines)
    return ReplaySummary(messages, outputs, dict(suspensions), dict(breaches))


def replay(
    feeds: list[tuple[str, Path]],
    out_dir: Path,
    ctx: NormalizeContext,
    limits_file: Path | None,
    say: Callable[[str], None] = print,
    batch_size: int = 500,
    *,
    thresholds_file: Path | None = None,
    players_file: Path | None = None,
    rows: Sink[tuple[str, Any]] | None = None,
    pseudo: Pseudonymizer | None = None,
) -> ReplaySummary:
    """Backtest ``feeds`` into ``out_dir``; the analytics rows go to ``rows`` (discarded when
    None), pseudonymized by ``pseudo`` (the development key when None)."""
    files = RiskFiles(limits=limits_file, thresholds=thresholds_file, players=players_file)
    risk = risk_context(files, None)
    messages = merge(feeds)
    say(f"merged {len(messages)} messages from {len(feeds)} feeds by their own timestamps")
    shutil.rmtree(out_dir, ignore_errors=True)
    topics = Topics("")
    discard = DiscardSink()
    outputs = NormalizeSinks(
        topics=JsonlSink(out_dir),
        states=discard,
        rows=discard if rows is None else rows,
        pseudo=Pseudonymizer(DEV_PSEUDONYM_KEY.encode()) if pseudo is None else pseudo,
    )
    # The production topology (the shard counts of ``wagerflow run``): one worker reads the
    # merged input in order, so each shard sees its entities' inputs in exactly that order,
    # whatever the batching; ``canonicalize`` then fixes how the shards' outputs interleave.
    flow = build_pipeline_flow(
        MergedSource(messages, batch_size),
        outputs,
        RiskSinks(exposures=discard, settlements=discard),
        ctx,
        risk,
        topics,
    )
    run_main(flow, epoch_interval=timedelta(seconds=60))  # type: ignore[no-untyped-call]
    canonicalize(out_dir)
    summary = _summarize(out_dir, len(messages), topics)
    (out_dir / "summary.json").write_text(
        json.dumps(
            {
                "messages": summary.messages,
                "outputs": summary.outputs,
                "suspensions": summary.suspensions,
                "breaches": summary.breaches,
            },
            indent=2,
            sort_keys=True,
        )
        + "\n"
    )
    return summary
