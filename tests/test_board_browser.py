"""The risk board in a real headless Chromium: over the demo, and live on the real broker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis
from confluent_kafka import Producer
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.boardproc import TOKEN, stop, wait_up
from tests.flowproc import Deployment, consume_all
from wagerflow.commands.produce import message_key
from wagerflow.connectors.kafka_admin import ensure_topics
from wagerflow.connectors.redis_exposure import ranking_key
from wagerflow.connectors.redis_suspensions import suspended_key
from wagerflow.devenv.process import free_port
from wagerflow.devenv.services import DevServices
from wagerflow.schemas.risk import RISK_DECODER, MarketSuspend

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.slow]


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "wagerflow.cli", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _login(driver: Any, url: str, trader: str) -> None:
    driver.get(url + "login")
    driver.find_element(By.ID, "trader-name").send_keys(trader)
    driver.find_element(By.ID, "token").send_keys(TOKEN)
    driver.find_element(By.ID, "login-submit").click()
    WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "trader").text == trader)
    _wait_live(driver)


def _wait_live(driver: Any) -> None:
    WebDriverWait(driver, 10).until(
        lambda d: d.execute_script("return window.wagerflowBoard.updates") > 0
    )


def _rows(driver: Any) -> list[tuple[str, int]]:
    """The liability rows (read in one script: a pushed update may replace them any time)."""
    rows = driver.execute_script(
        "return [...document.querySelectorAll('#s-liabilities tr[data-key]')]"
        ".map(r => [r.dataset.key, r.dataset.worst])"
    )
    return [(key, int(worst)) for key, worst in rows]


def test_the_board_over_the_demo_shows_the_top_liabilities_of_redis(
    tmp_path: Path, chromium: Any
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_URL", "WAGERFLOW_"))}
    env.update(WAGERFLOW_HOME=str(tmp_path), WAGERFLOW_BOARD_TOKEN=TOKEN)
    proc = _spawn(["demo", "--board", "--port", str(port)], env)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_up(url, proc)
        redis_port = (tmp_path / "demo" / "redis" / "port").read_text().strip()
        r = redis.Redis.from_url(f"redis://127.0.0.1:{redis_port}/0")
        ranked = r.zrevrange(ranking_key("default"), 0, 199, withscores=True)
        expected = [(k.decode(), int(s)) for k, s in ranked if b":line:" in k][:20]
        held = {
            c.command_id
            for c in map(RISK_DECODER.decode, r.hvals(suspended_key("default")))
            if isinstance(c, MarketSuspend)
        }
        r.close()
        assert expected, "the demo's book should be open"

        chromium.get(url)
        _wait_live(chromium)
        assert _rows(chromium) == expected
        shown = chromium.find_elements(By.CSS_SELECTOR, "#s-suspensions tr[data-command]")
        assert {row.get_attribute("data-command") for row in shown} == held
        assert "MAX_STAKE" in chromium.find_element(By.ID, "s-breaches").text
        chromium.find_element(By.CSS_SELECTOR, "#s-liabilities a.event").click()
        WebDriverWait(chromium, 10).until(
            lambda d: "return if it wins" in d.find_element(By.ID, "event-sheet").text
        )
    finally:
        stop(proc)


def _bet(bet_id: str, selection: str, stake: str, odds: str) -> bytes:
    payout = f"{float(stake) * float(odds):.2f}"
    return json.dumps(
        {
            "type": "BetPlaced",
            "timestamp": time.time_ns() // 1_000_000,
            "betId": bet_id,
            "eventId": "evBoard",
            "marketId": "1",
            "selectionId": selection,
            "stake": {"amount": stake, "currency": "EUR"},
            "acceptedOdds": odds,
            "potentialPayout": payout,
            "playerId": "p-board",
        }
    ).encode()


def _commands(dep: Deployment) -> list[Any]:
    topic = f"{dep.prefix}market.control"
    return [RISK_DECODER.decode(v) for _, v in consume_all(dep.bootstrap, topic)]


@pytest.mark.kafka
def test_live_figures_and_a_manual_suspend_on_the_real_broker(
    tmp_path: Path, dev_services: DevServices, chromium: Any
) -> None:
    url = dev_services.redis_url.rsplit("/", 1)[0] + "/7"
    r = redis.Redis.from_url(url)
    r.flushdb()
    dep = Deployment(tmp_path, dev_services.kafka_bootstrap, url, f"b{uuid.uuid4().hex[:8]}.")
    raw = f"{dep.prefix}raw.generic"
    ensure_topics(dep.bootstrap, [raw, f"{dep.prefix}market.control"])
    flow = dep.spawn("run", "--no-recovery", "--epoch-seconds", "0.2")
    port = free_port()
    board = _spawn(["board", "--port", str(port)], {**dep.env, "WAGERFLOW_BOARD_TOKEN": TOKEN})
    producer = Producer({"bootstrap.servers": dep.bootstrap, "linger.ms": 0})

    def produce(line: bytes) -> None:
        producer.produce(raw, line, message_key("generic", line))
        assert producer.flush(10) == 0

    try:
        base = f"http://127.0.0.1:{port}/"
        wait_up(base, board, 60)
        produce(_bet("bb-1", "1", "10.00", "2.00"))
        deadline = time.monotonic() + 180
        while not r.zcard(ranking_key("t1")):
            assert flow.poll() is None, flow.stderr.read() if flow.stderr else ""
            assert time.monotonic() < deadline, "the flow did not rank the first bet"
            time.sleep(0.5)

        # writing without a login is refused, from the page too
        chromium.get(base)
        _wait_live(chromium)
        assert not chromium.find_elements(By.CSS_SELECTOR, "button.cmd")
        status = chromium.execute_async_script(
            "const done = arguments[0];"
            "fetch('/api/control', {method: 'POST', body: JSON.stringify("
            "{action: 'suspend', event: 'evBoard'})}).then(res => done(res.status));"
        )
        assert status == 401

        _login(chromium, base, "Dana")
        (key, worst), *_ = _rows(chromium)
        chromium.execute_script("window.notReloaded = true")
        started = time.monotonic()
        produce(_bet("bb-2", "1", "25.00", "3.00"))
        WebDriverWait(chromium, 5, poll_frequency=0.05).until(
            lambda d: dict(_rows(d)).get(key, worst) != worst
        )
        elapsed = time.monotonic() - started
        assert chromium.execute_script("return window.notReloaded === true")
        assert elapsed < 2.0, f"the page changed {elapsed:.2f}s after the bet was produced"

        row = chromium.find_element(By.CSS_SELECTOR, f'#s-liabilities tr[data-key="{key}"]')
        row.find_element(By.CSS_SELECTOR, "button.cmd").click()
        manual = "#s-suspensions tr[data-rule='MANUAL']"
        WebDriverWait(chromium, 5).until(lambda d: d.find_elements(By.CSS_SELECTOR, manual))
        shown = chromium.find_element(By.CSS_SELECTOR, manual)
        assert "by Dana" in shown.text and "evBoard" in shown.text
        sent = [c for c in _commands(dep) if c.rule == "MANUAL"]
        assert [(type(c).__name__, c.trader, c.event_id) for c in sent] == [
            ("MarketSuspend", "Dana", "evBoard")
        ]
        assert shown.get_attribute("data-command") == sent[0].command_id

        shown.find_element(By.CSS_SELECTOR, "button.cmd").click()  # resume clears it
        WebDriverWait(chromium, 5).until(lambda d: not d.find_elements(By.CSS_SELECTOR, manual))
        kinds = [type(c).__name__ for c in _commands(dep) if c.rule == "MANUAL"]
        assert kinds == ["MarketSuspend", "MarketResume"]
    finally:
        producer.flush(5)
        stop(board)
        stop(flow)
        r.close()
