"""The Grafana dashboard against a live flow: every metric a panel queries is on the running
flow's ``/metrics`` with at least one sample, for a run that feeds sports and casino providers,
bad lines and settled bets."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from tests.flowproc import Deployment
from tests.healthproc import running
from wagerflow.devenv.services import DevServices
from wagerflow.samples import generic as generic_samples
from wagerflow.samples import live as live_samples

DASHBOARD = Path(__file__).resolve().parents[1] / "k8s" / "grafana" / "wagerflow-dashboard.json"
_NOT_NAMES = re.compile(
    r'"(?:[^"\\]|\\.)*"'  # strings (label values, legend text)
    r'|\{(?:"(?:[^"\\]|\\.)*"|[^}"])*\}'  # label matchers
    r"|\[[^\]]*\]"  # range selectors
    r"|\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)"  # label lists
)
_IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_WORDS = {"and", "or", "unless", "offset", "bool", "group_left", "group_right"}
_SUFFIXES = {"counter": "_total", "histogram": "_bucket"}
EVENT_ONLY = {"wagerflow_limit_breaches_total", "wagerflow_settlement_flags_total"}
"""Moved only by a limits file or a flagged settlement, neither of which this run has: they must
still be declared on /metrics (their HELP and TYPE lines)."""


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects: identifiers that are not functions,
    aggregation clauses, label names, strings or keywords."""
    rest = _NOT_NAMES.sub(" ", expr)
    names = set()
    for m in _IDENT.finditer(rest):
        after = rest[m.end() :].lstrip()
        if after.startswith("(") or m.group() in _WORDS:
            continue
        names.add(m.group())
    return names


def test_metric_names_of_a_query() -> None:
    expr = ('histogram_quantile(0.95, sum by (provider, le) (rate(x_bucket{a=~"$p", b="q{1}"}'
            '[$__rate_interval]))) / on (provider) group_left y_total > 0.3 and z')  # fmt: skip
    assert metric_names(expr) == {"x_bucket", "y_total", "z"}
    assert metric_names("time() - max by (pod) (last_seconds)") == {"last_seconds"}


def _queries() -> dict[str, set[str]]:
    dash = json.loads(DASHBOARD.read_text())
    out: dict[str, set[str]] = {}
    for panel in dash["panels"]:
        names: set[str] = set()
        for target in panel["targets"]:
            names |= metric_names(target["expr"])
        out[panel["title"]] = names
    for var in dash["templating"]["list"]:
        if var["type"] == "query":
            out[f"${var['name']}"] = metric_names(var["definition"].split("(", 1)[1].split(",")[0])
    return out


def test_every_panel_queries_wagerflow_metrics_only() -> None:
    queries = _queries()
    assert len(queries) >= 12
    for title, names in queries.items():
        assert names, title
        assert all(n.startswith("wagerflow_") for n in names), (title, names)


@pytest.mark.kafka
@pytest.mark.redis
@pytest.mark.slow
def test_every_metric_a_panel_queries_is_on_the_live_flows_metrics(
    tmp_path: Path, dev_services: DevServices, betfair_recordings: dict[str, Path]
) -> None:
    url = dev_services.redis_url.rsplit("/", 1)[0] + "/9"
    redis.Redis.from_url(url).flushdb()
    dep = Deployment(tmp_path, dev_services.kafka_bootstrap, url, f"d{uuid.uuid4().hex[:8]}.")
    generic = generic_samples.generic_lines(11, 6)
    feeds = {
        "betfair": [ln for ln in betfair_recordings["1.197931750"].read_bytes().splitlines() if ln]
        + [b"\x89PNG not a feed line"],
        "generic": generic[: len(generic) * 3 // 5],  # stop mid-stream: liabilities stay open
        "live": live_samples.live_lines(5, 6),
    }
    for provider, lines in feeds.items():
        path = tmp_path / f"{provider}.lines"
        path.write_bytes(b"\n".join(lines) + b"\n")
        done = dep.cli("produce", "--provider", provider, str(path))
        assert done.returncode == 0, done.stderr
    sent = sum(map(len, feeds.values()))

    with running(dep, "--epoch-seconds", "0.5") as flow:
        flow.wait_until(
            "every message read, epochs and a sink snapshot",
            lambda: (
                flow.total("wagerflow_messages_received_total") >= sent
                and flow.total("wagerflow_epochs_total") >= 3
                and bool(flow.scrape().get("wagerflow_snapshot_seconds_bucket"))
            ),
        )
        status, body = flow.get("/readyz")
        assert status == 200, body
        families = flow.get("/metrics")[1]
        samples = flow.scrape()

    types = {f.name: f.type for f in text_string_to_metric_families(families)}
    for title, names in _queries().items():
        for name in names:
            family = re.sub(r"_(total|bucket)$", "", name)
            assert family in types, (title, name)
            assert name == family + _SUFFIXES.get(types[family], ""), (title, name)
            if name not in EVENT_ONLY:
                assert samples.get(name), f"{title}: {name} has no sample on /metrics"
    games = {lab["game_type"] for lab, _ in samples["wagerflow_messages_received_total"]}
    assert games == {"sports", "casino"}
    assert any(lab["reason"] for lab, _ in samples["wagerflow_dlq_entries_total"])
