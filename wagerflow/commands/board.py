"""``wagerflow board``: serve the risk board for one tenant (Ctrl-C to stop)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import uvicorn

from wagerflow.board.app import BoardConfig, create_app
from wagerflow.board.auth import Auth, read_login_from_env, token_from_env
from wagerflow.board.commands import ManualControl, Publisher
from wagerflow.board.history import HistoryReader
from wagerflow.config import Settings
from wagerflow.connectors.publisher import FilePublisher, KafkaPublisher
from wagerflow.connectors.redis_store import connect as redis_connect
from wagerflow.errors import ConfigError


def board_config(
    settings: Settings,
    *,
    token: str | None,
    read_login: bool,
    control_dir: Path | None = None,
    interval_s: float = 0.25,
) -> BoardConfig:
    """The board over ``settings``' Redis and ClickHouse. Manual commands go to Kafka's
    ``market.control``, or, with ``control_dir`` (the demo, which has no broker), to
    ``control_dir/market.control.jsonl``; without a token the board is read-only."""
    if read_login and token is None:
        raise ConfigError("reading behind a login (WAGERFLOW_BOARD_READ=login) needs a token")
    redis_connect(settings.redis_url).close()
    control = None
    if token is not None:
        publisher: Publisher = (
            FilePublisher(control_dir, "the demo's topic files (no broker) and Redis")
            if control_dir is not None
            else KafkaPublisher(settings.kafka_bootstrap)
        )
        control = ManualControl(publisher, settings.redis_url, settings.topics, settings.tenant)
    return BoardConfig(
        tenant=settings.tenant,
        redis_url=settings.redis_url,
        auth=Auth(token, read_login=read_login),
        control=control,
        history=HistoryReader(
            settings.clickhouse_dsn, settings.clickhouse_database, settings.tenant
        ),
        interval_s=interval_s,
    )


def env_board_config(settings: Settings, *, read_login: bool | None = None) -> BoardConfig:
    env = dict(os.environ)
    login = read_login_from_env(env) if read_login is None else read_login
    return board_config(settings, token=token_from_env(env), read_login=login)


def serve(cfg: BoardConfig, host: str, port: int, say: Callable[[str], None] = print) -> None:
    say(
        f"risk board for tenant {cfg.tenant}: http://{host}:{port}/ "
        f"(commands: {cfg.control.publisher.where if cfg.control else 'read-only'}; Ctrl-C stops)"
    )
    uvicorn.run(create_app(cfg), host=host, port=port, log_level="warning")
