"""Settings from the environment, overridable by CLI flags.

| setting            | environment variable          | default                                  |
|--------------------|-------------------------------|------------------------------------------|
| home               | ``WAGERFLOW_HOME``            | ``./.wagerflow``                         |
| kafka_bootstrap    | ``KAFKA_BOOTSTRAP_SERVERS``   | the address ``wagerflow dev up`` started |
| redis_url          | ``REDIS_URL``                 | the address ``wagerflow dev up`` started |
| clickhouse_dsn     | ``WAGERFLOW_CLICKHOUSE_DSN``  | ``chdb://<home>/clickhouse`` (embedded)  |
| clickhouse_database| ``WAGERFLOW_CLICKHOUSE_DATABASE``| ``wagerflow``                       |
| tenant             | ``WAGERFLOW_TENANT``          | ``default``                              |
| topic_prefix       | ``WAGERFLOW_TOPIC_PREFIX``    | empty                                    |
| betfair_currency   | ``WAGERFLOW_BETFAIR_CURRENCY``| ``GBP`` (the stream carries no currency) |
| signing_secrets    | ``WAGERFLOW_SIGNING_SECRETS`` | none: ``provider=secret[,provider=secret]`` |
| dedup_horizon_hours| ``WAGERFLOW_DEDUP_HORIZON_HOURS`` | ``72`` (the UOF recovery window)     |
| pseudonym_key      | ``WAGERFLOW_PSEUDONYM_KEY``   | ``DEV_PSEUDONYM_KEY`` (development only) |
| environment        | ``WAGERFLOW_ENV``             | ``dev`` after ``dev up``, else production |
| topic_partitions   | ``WAGERFLOW_TOPIC_PARTITIONS``| ``1`` (partitions of the topics it makes)|

``pseudonym_key`` keys the pseudonyms that replace player ids in analytics
(``wagerflow.analytics.pseudonym``). The default is public, so pseudonyms made with it can be
reversed by anyone who guesses player ids: set a secret key (32+ random bytes) in production,
and keep it: another key gives every player another pseudonym. ``wagerflow run`` refuses it, and
missing signing secrets for the wallet providers, unless ``WAGERFLOW_ENV=dev``
(``production_problem``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from wagerflow.errors import ConfigError
from wagerflow.pipeline.signing import parse_secrets
from wagerflow.topics import Topics

DEV_ENV_FILE = "dev/services.env"
DEV_PSEUDONYM_KEY = "wagerflow-development-pseudonym-key"
"""The default ``WAGERFLOW_PSEUDONYM_KEY``: fine for development and tests, never for production
(it is public)."""
SIGNED_PROVIDERS = ("hub88", "evolution", "pragmatic")
"""Wallet callbacks move money: in production each must have its signing secret."""
ENVIRONMENTS = ("production", "dev")
_TENANT_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True, slots=True)
class Settings:
    home: Path
    kafka_bootstrap: str
    redis_url: str
    clickhouse_dsn: str
    clickhouse_database: str
    tenant: str
    topic_prefix: str
    betfair_currency: str
    signing_secrets: dict[str, bytes]
    dedup_horizon_hours: float
    pseudonym_key: bytes = field(default=DEV_PSEUDONYM_KEY.encode(), repr=False)
    environment: str = "dev"
    topic_partitions: int = 1

    @property
    def topics(self) -> Topics:
        return Topics(self.topic_prefix)

    @property
    def recovery_dir(self) -> Path:
        return self.home / "recovery"


def _dev_services(home: Path) -> dict[str, str]:
    """Addresses written by ``wagerflow dev up``, so ``run`` finds them without exports."""
    path = home / DEV_ENV_FILE
    if not path.exists():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs}


def _validated(s: Settings) -> Settings:
    if not _TENANT_RE.match(s.tenant):
        msg = f"tenant must be 1-64 characters of letters, digits, '_', '.', '-'; got {s.tenant!r}"
        raise ConfigError(msg)
    if not s.redis_url.startswith(("redis://", "rediss://", "unix://")):
        msg = f"REDIS_URL must start with redis://, rediss:// or unix://; got {s.redis_url!r}"
        raise ConfigError(msg)
    if not s.clickhouse_dsn.startswith(("chdb://", "http://", "https://")):
        msg = (
            "the ClickHouse DSN (WAGERFLOW_CLICKHOUSE_DSN) must be chdb://PATH for the embedded "
            f"engine or http(s)://HOST:PORT for a server; got {s.clickhouse_dsn!r}"
        )
        raise ConfigError(msg)
    if not s.kafka_bootstrap or " " in s.kafka_bootstrap:
        msg = f"KAFKA_BOOTSTRAP_SERVERS must be host:port[,host:port]; got {s.kafka_bootstrap!r}"
        raise ConfigError(msg)
    if not re.fullmatch(r"[A-Z]{3}", s.betfair_currency):
        msg = f"WAGERFLOW_BETFAIR_CURRENCY must be an ISO-4217 code; got {s.betfair_currency!r}"
        raise ConfigError(msg)
    return s


def production_problem(s: Settings) -> str | None:
    """Why ``s`` must not run in production (one line naming the variable), or None. Only in
    ``WAGERFLOW_ENV=dev`` are the public pseudonym key and unsigned wallet feeds allowed."""
    if s.environment == "dev":
        return None
    if s.pseudonym_key == DEV_PSEUDONYM_KEY.encode():
        return (
            "WAGERFLOW_PSEUDONYM_KEY is the public development key: set a secret one "
            "(32+ random characters) or WAGERFLOW_ENV=dev"
        )
    missing = [p for p in SIGNED_PROVIDERS if p not in s.signing_secrets]
    if missing:
        return (
            f"WAGERFLOW_SIGNING_SECRETS has no secret for {', '.join(missing)}: set "
            "provider=secret for each, or WAGERFLOW_ENV=dev"
        )
    return None


def _environment(env: Mapping[str, str], dev: dict[str, str]) -> str:
    value = env.get("WAGERFLOW_ENV", "dev" if dev else "production")
    if value not in ENVIRONMENTS:
        msg = f"WAGERFLOW_ENV must be one of {', '.join(ENVIRONMENTS)}; got {value!r}"
        raise ConfigError(msg)
    return value


def _secrets(text: str) -> dict[str, bytes]:
    try:
        return parse_secrets(text)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        msg = f"{name} must be a positive number; got {text!r}"
        raise ConfigError(msg)
    return value


def _pseudonym_key(env: Mapping[str, str]) -> bytes:
    text = env.get("WAGERFLOW_PSEUDONYM_KEY", DEV_PSEUDONYM_KEY)
    if not text.strip():
        msg = (
            "WAGERFLOW_PSEUDONYM_KEY is empty: set a secret key (32+ random characters) that "
            "keys player pseudonyms, or unset it to use the development default"
        )
        raise ConfigError(msg)
    return text.encode()


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read settings from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    home = Path(env.get("WAGERFLOW_HOME", ".wagerflow")).absolute()
    dev = _dev_services(home)
    return _validated(
        Settings(
            home=home,
            kafka_bootstrap=env.get(
                "KAFKA_BOOTSTRAP_SERVERS", dev.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
            ),
            redis_url=env.get("REDIS_URL", dev.get("REDIS_URL", "redis://127.0.0.1:6379/0")),
            clickhouse_dsn=env.get("WAGERFLOW_CLICKHOUSE_DSN", f"chdb://{home / 'clickhouse'}"),
            clickhouse_database=env.get("WAGERFLOW_CLICKHOUSE_DATABASE", "wagerflow"),
            tenant=env.get("WAGERFLOW_TENANT", "default"),
            topic_prefix=env.get("WAGERFLOW_TOPIC_PREFIX", ""),
            betfair_currency=env.get("WAGERFLOW_BETFAIR_CURRENCY", "GBP"),
            signing_secrets=_secrets(env.get("WAGERFLOW_SIGNING_SECRETS", "")),
            dedup_horizon_hours=_positive(env, "WAGERFLOW_DEDUP_HORIZON_HOURS", 72.0),
            pseudonym_key=_pseudonym_key(env),
            environment=_environment(env, dev),
            topic_partitions=int(_positive(env, "WAGERFLOW_TOPIC_PARTITIONS", 1)),
        )
    )
