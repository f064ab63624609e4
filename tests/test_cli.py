"""The command line as a user meets it: one clear line for configuration mistakes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from wagerflow.devenv.process import free_port
from wagerflow.devenv.services import DevServices


def wagerflow(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {
        k: v for k, v in os.environ.items() if k not in {"KAFKA_BOOTSTRAP_SERVERS", "REDIS_URL"}
    }
    full_env.update(WAGERFLOW_HOME=str(home), **env)
    return subprocess.run(
        [sys.executable, "-m", "wagerflow.cli", *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _one_error_line(done: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    lines = [ln for ln in done.stderr.splitlines() if ln.startswith("wagerflow: error:")]
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_unreachable_kafka_is_one_line_naming_service_address_and_fix(tmp_path: Path) -> None:
    address = f"127.0.0.1:{free_port()}"
    line = _one_error_line(
        wagerflow("run", "--kafka", address, home=tmp_path, WAGERFLOW_ENV="dev"), 3
    )
    assert f"Kafka is not reachable at {address}" in line
    assert "wagerflow dev up" in line


@pytest.mark.kafka
def test_unreachable_redis_is_one_line(tmp_path: Path, dev_services: DevServices) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    done = wagerflow(
        "run",
        "--kafka",
        dev_services.kafka_bootstrap,
        "--redis-url",
        url,
        "--topic-prefix",
        "cli.",
        home=tmp_path,
        WAGERFLOW_ENV="dev",
    )
    line = _one_error_line(done, 3)
    assert f"Redis is not reachable at {url}" in line


def test_unreachable_clickhouse_server_is_one_line(tmp_path: Path) -> None:
    dsn = f"http://127.0.0.1:{free_port()}"
    line = _one_error_line(wagerflow("migrate", "--clickhouse-dsn", dsn, home=tmp_path), 3)
    assert f"ClickHouse is not reachable at {dsn}" in line


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--clickhouse-dsn", "mysql://x"], "must be chdb://PATH"),
        (["--redis-url", "localhost:6379"], "REDIS_URL must start with"),
        (["--tenant", "bad tenant!"], "tenant must be"),
    ],
)
def test_malformed_settings_are_one_line(tmp_path: Path, args: list[str], fragment: str) -> None:
    assert fragment in _one_error_line(wagerflow("migrate", *args, home=tmp_path))


def test_migrate_is_idempotent(tmp_path: Path) -> None:
    first = wagerflow("migrate", home=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "0001_norm_events.sql" in first.stdout
    second = wagerflow("migrate", home=tmp_path)
    assert second.returncode == 0 and "up to date" in second.stdout


def test_help_lists_every_command(tmp_path: Path) -> None:
    done = wagerflow("--help", home=tmp_path)
    assert done.returncode == 0
    for command in ("demo", "run", "dev", "migrate", "produce", "sql"):
        assert command in done.stdout


@pytest.mark.parametrize(
    ("feed", "fragment"),
    [("nosuch=x.jsonl", "feeds are PROVIDER=FILE"), ("generic=/no/such/file", "no such feed file")],
)
def test_replay_argument_mistakes_are_one_line(tmp_path: Path, feed: str, fragment: str) -> None:
    done = wagerflow("replay", feed, "-o", str(tmp_path / "out"), home=tmp_path)
    assert fragment in _one_error_line(done)


def test_replay_writes_every_stream_and_a_summary(tmp_path: Path) -> None:
    from wagerflow.samples import generic as generic_samples

    feed = tmp_path / "generic.lines"
    feed.write_bytes(b"\n".join(generic_samples.generic_lines(2, 2)) + b"\n")
    out = tmp_path / "out"
    done = wagerflow("replay", f"generic={feed}", "-o", str(out), home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "replayed" in done.stdout and "suspensions by rule" in done.stdout
    names = {p.name for p in out.iterdir()}
    assert {"exposure.jsonl", "norm.bets.jsonl", "summary.json"} <= names
