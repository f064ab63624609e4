"""The p95 alert from recorded samples: a flow on the real broker reads messages that reach it
300 ms after the broker stamped them (a stall upstream of the flow: their broker timestamps are
set 300 ms in the past, so each sample is 300 ms plus the flow's own time), its ``/metrics``
histogram is scraped a dozen times, the scrapes become promtool input series one minute apart,
and ``promtool test rules`` must see ``WagerflowLatencyP95High`` fire for that provider."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import redis
import yaml
from confluent_kafka import Producer

from tests.conftest import IN_CI
from tests.flowproc import Deployment
from tests.healthproc import running
from wagerflow.commands.produce import message_key
from wagerflow.devenv.services import DevServices
from wagerflow.samples import generic as generic_samples

pytestmark = [pytest.mark.kafka, pytest.mark.redis, pytest.mark.slow]
K8S = Path(__file__).resolve().parents[1] / "k8s"
BUCKET = "wagerflow_processing_latency_seconds_bucket"
STALL_MS = 300
SCRAPES = 12


def _series(scrapes: list[dict[tuple[tuple[str, str], ...], float]]) -> list[dict[str, str]]:
    out = []
    for labels in sorted(scrapes[-1]):
        values = " ".join(f"{s.get(labels, 0):g}" for s in scrapes)
        body = ",".join(f'{k}="{v}"' for k, v in labels)
        out.append({"series": f"{BUCKET}{{{body}}}", "values": values})
    return out


def test_a_300ms_stall_fires_the_p95_rule_from_recorded_samples(
    tmp_path: Path, dev_services: DevServices
) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        if IN_CI:
            pytest.fail("promtool is missing (Debian package prometheus; make system-deps)")
        pytest.skip("promtool is not installed (Debian package prometheus)")
    url = dev_services.redis_url.rsplit("/", 1)[0] + "/10"
    redis.Redis.from_url(url).flushdb()
    dep = Deployment(tmp_path, dev_services.kafka_bootstrap, url, f"l{uuid.uuid4().hex[:8]}.")
    topic = f"{dep.prefix}raw.generic"
    producer = Producer({"bootstrap.servers": dep.bootstrap})
    scrapes: list[dict[tuple[tuple[str, str], ...], float]] = []
    with running(dep, "--epoch-seconds", "0.5", "--brake-share", "1") as flow:
        flow.wait_until("ready", lambda: flow.get("/readyz")[0] == 200)
        sent = 0
        for seed in range(SCRAPES):
            for line in generic_samples.generic_lines(100 + seed, 1):
                stamped = time.time_ns() // 1_000_000 - STALL_MS
                producer.produce(topic, line, message_key("generic", line), timestamp=stamped)
                sent += 1
            assert producer.flush(30) == 0

            def batch_read(n: int = sent) -> bool:
                return flow.total("wagerflow_messages_received_total") >= n

            flow.wait_until("the batch read", batch_read)
            time.sleep(0.6)
            rows = flow.scrape()[BUCKET]
            scrapes.append({tuple(sorted(lab.items())): v for lab, v in rows})

    rule = yaml.safe_load((K8S / "prometheusrule.yaml").read_text())
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
    eval_at = f"{SCRAPES - 1}m"
    case = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": _series(scrapes),
            "alert_rule_test": [{
                "eval_time": eval_at,
                "alertname": "WagerflowLatencyP95High",
                "exp_alerts": [{
                    "exp_labels": {"severity": "page", "provider": "generic"},
                    "exp_annotations": {
                        "summary": "p95 received-to-emitted latency of generic is over 300 ms"
                    },
                }],
            }],
        }],
    }  # fmt: skip
    (tmp_path / "recorded-test.yaml").write_text(yaml.safe_dump(case, sort_keys=False))
    done = subprocess.run([promtool, "test", "rules", "recorded-test.yaml"], cwd=tmp_path,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
