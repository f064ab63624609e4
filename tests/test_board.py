"""The risk board without a browser: command ids, the suspensions store, and the HTTP rules
for writing (login, CSRF, origin) against a real ``wagerflow board`` process and redis-server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.boardproc import TOKEN, Http, stop, wait_up
from wagerflow.board.auth import Auth
from wagerflow.connectors.redis_suspensions import apply_commands, suspended_key
from wagerflow.devenv.process import free_port
from wagerflow.devenv.services import DevServices
from wagerflow.schemas.control import hold_id, manual_command
from wagerflow.schemas.risk import RISK_DECODER, MarketResume, MarketSuspend


def _manual(action: str, at: int, line: str | None = "1") -> MarketSuspend | MarketResume:
    return manual_command(
        "suspend" if action == "suspend" else "resume",
        tenant="t1",
        event_id="ev1",
        line_id=line,
        trader="dana",
        reason="",
        at_ms=at,
    )


def test_manual_command_ids_follow_the_suspend_rules_format() -> None:
    a, b = _manual("suspend", 1_000), _manual("suspend", 1_000)
    assert a == b
    assert a.command_id == "MANUAL:t1:ev1:1:suspend:1000"
    assert a.rule == "MANUAL" and a.trader == "dana" and a.version == 1_000
    assert hold_id(a) == hold_id(_manual("resume", 2_000)) == "MANUAL:ev1:1"
    assert _manual("suspend", 5, line=None).command_id == "MANUAL:t1:ev1:*:suspend:5"
    with pytest.raises(ValueError, match="trader"):
        manual_command(
            "suspend", tenant="t", event_id="e", line_id=None, trader=" ", reason="", at_ms=1
        )


def test_a_session_cookie_cannot_be_forged_or_outlive_its_expiry() -> None:
    auth = Auth("a-secret-token-123")
    session, cookie = auth.issue("dana", now_s=1_000)
    assert auth.session(cookie, now_s=1_001) == session
    body, sig = cookie.rsplit(".", 1)
    assert auth.session(body + "." + sig[::-1], now_s=1_001) is None
    assert auth.session(cookie, now_s=session.expires + 1) is None
    assert Auth("another-token-456").session(cookie, now_s=1_001) is None
    assert Auth(None).session(cookie, now_s=1_001) is None
    assert not auth.check_token("a-secret-token-12") and auth.check_token("a-secret-token-123")


@pytest.mark.redis
def test_suspensions_are_check_and_apply_and_cleared_on_resume(dev_services: DevServices) -> None:
    client = redis.Redis.from_url(dev_services.redis_url.rsplit("/", 1)[0] + "/8")
    client.flushdb()
    suspend, resume = _manual("suspend", 10), _manual("resume", 20)
    assert apply_commands(client, [suspend]) == [1]
    held = client.hgetall(suspended_key("t1"))
    assert [RISK_DECODER.decode(v) for v in held.values()] == [suspend]
    assert apply_commands(client, [resume]) == [1]
    assert client.hgetall(suspended_key("t1")) == {}
    # a replay of the old suspend after its resume changes nothing
    assert apply_commands(client, [suspend]) == [0]
    assert client.hgetall(suspended_key("t1")) == {}
    client.close()


def _board(
    tmp: Path, redis_url: str, *args: str, token: str | None = TOKEN
) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAGERFLOW_")}
    env.update(WAGERFLOW_HOME=str(tmp), REDIS_URL=redis_url, WAGERFLOW_TENANT="t1")
    env["KAFKA_BOOTSTRAP_SERVERS"] = "127.0.0.1:1"  # nothing may be published by these tests
    if token is not None:
        env["WAGERFLOW_BOARD_TOKEN"] = token
    proc = subprocess.Popen(
        [sys.executable, "-m", "wagerflow.cli", "board", "--port", str(port), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    wait_up(url, proc, 60)
    return proc, url


@pytest.fixture
def board_url(tmp_path: Path, dev_services: DevServices) -> Iterator[str]:
    proc, url = _board(tmp_path, dev_services.redis_url.rsplit("/", 1)[0] + "/9")
    yield url
    stop(proc)


SUSPEND = {"action": "suspend", "event": "ev1", "line": "1"}


@pytest.mark.redis
def test_writing_without_a_login_is_refused(board_url: str) -> None:
    anonymous = Http(board_url.rstrip("/"))
    status, page = anonymous.get("/")
    assert status == 200 and "log in to suspend" in page and 'class="cmd"' not in page
    assert anonymous.control(SUSPEND, None)[0] == 401
    assert anonymous.control(SUSPEND, "guessed")[0] == 401
    assert anonymous.login("mallory", "wrong-token-000")[0] == 401

    trader = Http(board_url.rstrip("/"))
    assert trader.login("dana", TOKEN)[0] == 200  # redirected to the page
    csrf = trader.csrf()
    assert trader.control(SUSPEND, None)[0] == 403
    assert trader.control(SUSPEND, csrf[::-1])[0] == 403
    status, body = trader.post(
        "/api/control",
        b'{"action": "suspend", "event": "ev1"}',
        {"X-CSRF-Token": csrf, "Origin": "http://evil.example"},
    )
    assert status == 403 and "cross-origin" in body
    assert trader.control({"action": "delete", "event": "ev1"}, csrf)[0] == 400


@pytest.mark.redis
def test_a_board_without_a_token_is_read_only_and_can_hide_behind_a_login(
    tmp_path: Path, dev_services: DevServices
) -> None:
    url = dev_services.redis_url.rsplit("/", 1)[0] + "/9"
    proc, base = _board(tmp_path, url, token=None)
    try:
        http = Http(base.rstrip("/"))
        assert "read-only" in http.get("/")[1]
        assert http.login("dana", TOKEN)[0] == 401
        assert http.control(SUSPEND, None)[0] == 403
    finally:
        stop(proc)
    proc, base = _board(tmp_path, url, "--read-login")
    try:
        http = Http(base.rstrip("/"))
        status, page = http.get("/")
        assert status == 200 and "Log in to the risk board" in page  # redirected
        assert http.get("/events")[0] == 401
        assert http.get("/fragment/event?event=ev1")[0] == 401
        http.login("dana", TOKEN)
        assert "Largest liabilities" in http.get("/")[1]
    finally:
        stop(proc)
