"""``wagerflow normalize`` over files: the same rules as the flow, without engine or broker."""

from __future__ import annotations

import bz2
import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from wagerflow.commands.normalize import dlq_path_for, normalize_files
from wagerflow.pipeline.context import NormalizeContext
from wagerflow.samples import recordings
from wagerflow.schemas.dlq import DLQ_DECODER, Reason
from wagerflow.schemas.events import EVENT_DECODER, MarketSettled

CTX = NormalizeContext("t1", "GBP")


def test_every_betfair_recording_normalizes_with_no_dlq_entry(
    tmp_path: Path, betfair_recordings: dict[str, Path]
) -> None:
    out = tmp_path / "all.jsonl"
    summary = normalize_files(
        "betfair", list(betfair_recordings.values()), CTX, out, progress=lambda _: None
    )
    assert summary.received == 166 + 166 + 480
    assert sum(summary.dlq.values()) == 0 and dlq_path_for(out).read_bytes() == b""
    events = [EVENT_DECODER.decode(line) for line in out.read_bytes().splitlines()]
    assert len(events) == summary.emitted
    winners = {e.market_id: e.winners for e in events if isinstance(e, MarketSettled)}
    assert winners["1.197931750"] == ["37947503"]


def test_compressed_inputs_give_the_same_events(
    tmp_path: Path, betfair_recordings: dict[str, Path]
) -> None:
    raw = betfair_recordings["1.197931750"].read_bytes()
    plain, gz, bz = tmp_path / "m", tmp_path / "m.gz", tmp_path / "m.bz2"
    plain.write_bytes(raw)
    gz.write_bytes(gzip.compress(raw))
    bz.write_bytes(bz2.compress(raw))
    outputs = []
    for src in (plain, gz, bz):
        out = tmp_path / f"{src.name}.jsonl"
        normalize_files("betfair", [src], CTX, out, progress=lambda _: None)
        outputs.append([EVENT_DECODER.decode(x).dedup_key for x in out.read_bytes().splitlines()])
    assert outputs[0] == outputs[1] == outputs[2] and len(outputs[0]) > 100


def test_bad_and_repeated_lines_are_counted_and_kept(
    tmp_path: Path, betfair_recordings: dict[str, Path]
) -> None:
    lines = betfair_recordings["1.197931750"].read_bytes().splitlines()
    feed = tmp_path / "noisy"
    feed.write_bytes(b"\n".join([lines[0], b"{oops", lines[1], lines[1], *lines[2:]]) + b"\n")
    out = tmp_path / "noisy.jsonl"
    summary = normalize_files("betfair", [feed], CTX, out, progress=lambda _: None)
    assert summary.duplicates == 1
    assert summary.dlq == {Reason.MALFORMED: 1}
    (entry,) = [DLQ_DECODER.decode(x) for x in dlq_path_for(out).read_bytes().splitlines()]
    assert (entry.raw, entry.source.topic, entry.source.offset) == (b"{oops", "noisy", 1)


SETTLED_STATUSES = {"WINNER", "LOSER", "PLACED", "REMOVED", "REMOVED_VACANT", "HIDDEN"}


def _definitions_read_plainly(path: Path) -> tuple[int, int]:
    """From the raw recording with nothing but ``json``: how many status changes (status or
    in-play, per market) and settlements (a CLOSED definition whose runners all settled, once per
    distinct result) Betfair's market definitions announce."""
    held: dict[str, tuple[str, bool]] = {}
    results: dict[str, tuple[tuple[int, str], ...]] = {}
    changes = settled = 0
    for line in path.read_bytes().splitlines():
        for change in json.loads(line).get("mc", []):
            definition = change.get("marketDefinition")
            if definition is None:
                continue
            state = (definition["status"], definition.get("inPlay", False))
            if held.get(change["id"]) != state:
                held[change["id"]] = state
                changes += 1
            runners = tuple((r["id"], r["status"]) for r in definition["runners"])
            closed = definition["status"] == "CLOSED"
            if closed and all(s in SETTLED_STATUSES for _, s in runners) and (
                results.get(change["id"]) != runners
            ):
                results[change["id"]] = runners
                settled += 1
    return changes, settled


@pytest.mark.parametrize("name", ["1.197931750", "1.197931751", "BASIC-1.132153978"])
def test_every_recording_normalizes_what_its_definitions_announce_the_same_every_run(
    tmp_path: Path, betfair_recordings: dict[str, Path], name: str
) -> None:
    """Each status change and settlement the recording announces is one event, no line reaches
    the DLQ, and two runs give byte-identical output."""
    outputs = []
    for run in ("a", "b"):
        out = tmp_path / f"{run}.jsonl"
        summary = normalize_files(
            "betfair", [betfair_recordings[name]], CTX, out, progress=lambda _: None
        )
        assert summary.dlq == {}
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    kinds = Counter(EVENT_DECODER.decode(x).__struct_config__.tag for x in outputs[0].splitlines())
    changes, settled = _definitions_read_plainly(betfair_recordings[name])
    assert (kinds["market.status"], kinds["market.result"]) == (changes, settled)
    assert kinds["odds.change"] > 0


def test_every_uof_recording_normalizes_with_no_dlq_entry(
    tmp_path: Path, shared_data: Path
) -> None:
    files = recordings.uof_recordings()
    assert len(files) == 4
    out = tmp_path / "uof.jsonl"
    summary = normalize_files("uof", files, CTX, out, progress=lambda _: None)
    assert (summary.received, sum(summary.dlq.values())) == (4, 0)
    kinds = Counter(
        EVENT_DECODER.decode(x).__struct_config__.tag for x in out.read_bytes().splitlines()
    )
    assert kinds == {
        "odds.line": 9,
        "result.line": 5,
        "result.cancel": 1,
        "result.rollback_cancel": 1,
    }
