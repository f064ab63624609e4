"""One Bytewax cluster of two processes (``wagerflow run --processes 2``) on the real broker
gives the same outputs as one process: the same normalized topics, DLQ and settlements, the
same final exposures and the same Redis market states."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import redis

from tests.flowproc import Deployment, consume_all, final_exposures
from wagerflow.devenv.services import DevServices
from wagerflow.samples import generic as generic_samples
from wagerflow.topics import DLQ, EXPOSURE, NORMALIZED, RISK_OUTPUTS, SETTLEMENTS

pytestmark = [pytest.mark.kafka, pytest.mark.redis, pytest.mark.slow]


def _deployment(tmp_path: Path, svc: DevServices, db: int) -> Deployment:
    url = svc.redis_url.rsplit("/", 1)[0] + f"/{db}"
    redis.Redis.from_url(url).flushdb()
    # two partitions per topic, so each process reads its own share
    return Deployment(
        tmp_path,
        svc.kafka_bootstrap,
        url,
        f"c{uuid.uuid4().hex[:8]}.",
        extra_env={"WAGERFLOW_TOPIC_PARTITIONS": "2"},
    )


def _feed(dep: Deployment, betfair: Path) -> None:
    """Keyed by entity (``wagerflow produce``), so each entity's order holds on any partition."""
    generic = dep.home / "generic.jsonl"
    generic.write_bytes(b"\n".join(generic_samples.generic_lines(7, 6)) + b"\n")
    for provider, path in (("betfair", betfair), ("generic", generic)):
        done = dep.cli("produce", "--provider", provider, str(path))
        assert done.returncode == 0, done.stderr


def _sans_coordinates(raw: bytes) -> str:
    body = json.loads(raw)
    for where in ("source", "received_time_ms", "as_of_ms"):
        body.pop(where, None)
    return json.dumps(body, sort_keys=True)


def _outputs(dep: Deployment) -> dict[str, list[str]]:
    return {
        topic: sorted(
            _sans_coordinates(v) for _, v in consume_all(dep.bootstrap, dep.prefix + topic)
        )
        for topic in (*NORMALIZED, *RISK_OUTPUTS, DLQ)
    }


def _markets(dep: Deployment) -> dict[bytes, bytes | None]:
    client = redis.Redis.from_url(dep.redis_url)
    return {k: client.hget(k, "state") for k in client.scan_iter("wf:market:*")}


def test_two_processes_give_the_outputs_of_one(
    tmp_path: Path, dev_services: DevServices, betfair_recordings: dict[str, Path]
) -> None:
    one = _deployment(tmp_path / "one", dev_services, db=11)
    two = _deployment(tmp_path / "two", dev_services, db=12)
    for dep in (one, two):
        done = dep.cli("run", "--stop-at-end", "--no-recovery", "--epoch-seconds", "0.5")
        assert done.returncode == 0, done.stderr  # creates the topics, nothing to read yet
        _feed(dep, betfair_recordings["1.197931750"])
    single = one.cli("run", "--stop-at-end", "--epoch-seconds", "0.5")
    assert single.returncode == 0, single.stderr
    double = two.cli("run", "--stop-at-end", "--epoch-seconds", "0.5", "--processes", "2")
    assert double.returncode == 0, double.stderr
    assert "process 1 of 2" in double.stderr

    expected, got = _outputs(one), _outputs(two)
    assert sum(map(len, expected.values())) > 100
    # Exactly the same: the normalized topics, the DLQ and the settlements. The risk topics in
    # between (exposure steps, market commands, breaches) follow how the two raw partitions
    # interleave, which differs from run to run with one process too; their end does not.
    exact = (*NORMALIZED, DLQ, SETTLEMENTS)
    differ = {t: (len(expected[t]), len(got[t])) for t in exact if got[t] != expected[t]}
    assert not differ, differ
    ends = [
        final_exposures([v for _, v in consume_all(d.bootstrap, d.prefix + EXPOSURE)])
        for d in (one, two)
    ]
    assert ends[1] == ends[0]  # every line settled: both end at zero exposure
    assert _markets(two) == _markets(one) != {}
