"""``wagerflow run`` as a service: refuse insecure settings, start the local processes of a
cluster or join one, serve the probes, run the DLQ brake, and log start and stop."""

from __future__ import annotations

import argparse
import logging
import os
import time

import redis

from wagerflow.config import Settings, production_problem
from wagerflow.errors import ConfigError
from wagerflow.ops import cluster as clusters
from wagerflow.ops.brake import BrakeConfig, DlqBrake
from wagerflow.ops.health import Check, Health, serve

log = logging.getLogger("wagerflow.run")
DEFAULT_HEALTH_PORT = 3030
_RESUME_TTL_S = 600


def resume_key(tenant: str, provider: str) -> str:
    """Where ``wagerflow brake resume`` leaves its request (the epoch ms it was made)."""
    return f"wf:brake:{{{tenant}}}:resume:{provider}"


def request_resume(settings: Settings, provider: str) -> None:
    from wagerflow.connectors.redis_store import connect

    client = connect(settings.redis_url)
    try:
        client.set(resume_key(settings.tenant, provider), time.time_ns() // 1_000_000,
                   ex=_RESUME_TTL_S)  # fmt: skip
    finally:
        client.close()


def _checks(settings: Settings) -> dict[str, Check]:
    from wagerflow.connectors.kafka_admin import admin

    kafka = admin(settings.kafka_bootstrap)
    store = redis.Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)

    def check_kafka() -> None:
        kafka.list_topics(timeout=3)

    def check_redis() -> None:
        store.ping()

    checks: dict[str, Check] = {"kafka": check_kafka, "redis": check_redis}
    if not settings.clickhouse_dsn.startswith("chdb://"):  # the embedded engine is in-process
        from wagerflow.connectors import clickhouse_client

        def check_clickhouse() -> None:
            client = clickhouse_client.connect(
                settings.clickhouse_dsn, settings.clickhouse_database
            )
            client.close()

        checks["clickhouse"] = check_clickhouse
    return checks


def _brake_tick(brake: DlqBrake, settings: Settings) -> None:
    brake.tick()
    paused = brake.reasons()
    if not paused:
        return
    store = redis.Redis.from_url(settings.redis_url, socket_timeout=2)
    try:
        for provider in paused:
            asked = store.get(resume_key(settings.tenant, provider))
            if asked is not None and int(asked) / 1000 >= brake.tripped_at(provider):
                brake.resume(provider)
    except redis.exceptions.RedisError:
        return
    finally:
        store.close()


def run_service(args: argparse.Namespace, settings: Settings) -> int:
    from wagerflow.commands.risk_files import RiskFiles
    from wagerflow.commands.run import Observers, recovery_config, run_kafka

    problem = production_problem(settings)
    if problem is not None:
        raise ConfigError(problem)
    if args.processes < 1:
        raise ConfigError("--processes must be at least 1")
    member = clusters.parse(args.process_id, args.addresses) or clusters.from_pod(os.environ)
    recovery = (
        None if args.no_recovery else (args.recovery_dir or settings.recovery_dir / "wagerflow")
    )
    port = (
        args.health_port
        if args.health_port is not None
        else (DEFAULT_HEALTH_PORT if args.metrics else None)
    )
    if args.processes > 1 and member is None:
        # the processes prepare (process 0 migrates): the embedded engine admits one process
        if recovery is not None:
            recovery_config(recovery)
        log.info(
            f"starting {args.processes} processes of one cluster",
            extra={"event": "start", "processes": args.processes},
        )
        argv = _child_argv(args)
        return clusters.spawn_local(args.processes, argv, os.environ)
    if (
        member is not None
        and port is not None
        and args.health_port is not None
        and (args.addresses is not None)
    ):
        port += member.process_id  # several local processes share one host
    brake = DlqBrake(BrakeConfig(args.brake_share, args.brake_window, args.brake_min))
    health = Health(_checks(settings), args.epoch_seconds, args.ready_epochs)
    if port is not None:
        serve(health, port, every_s=max(0.5, min(args.epoch_seconds, 5.0)),
              on_tick=lambda: _brake_tick(brake, settings))  # fmt: skip
    where = "alone" if member is None else f"process {member.process_id} of {member.size}"
    log.info(
        f"wagerflow: normalize and risk on {settings.kafka_bootstrap} ({where}, recovery: "
        f"{recovery or 'off'}, tenant {settings.tenant})",
        extra={"event": "start", "process_id": 0 if member is None else member.process_id},
    )
    started = time.monotonic()
    run_kafka(
        settings,
        stop_at_end=args.stop_at_end,
        recovery_dir=recovery,
        epoch_s=args.epoch_seconds,
        workers=args.workers,
        batch_size=args.batch_size,
        risk_files=RiskFiles(args.limits, args.thresholds, args.players),
        cluster=member,
        observers=Observers(progressed=health.progressed, brake=brake),
    )
    log.info(
        f"wagerflow: stopped after {time.monotonic() - started:.1f}s",
        extra={"event": "stop"},
    )
    return 0


def _child_argv(args: argparse.Namespace) -> list[str]:
    """The flags of ``wagerflow run`` passed on to each local process (settings travel in the
    environment, which the CLI has already merged)."""
    out = ["--epoch-seconds", str(args.epoch_seconds), "--workers", str(args.workers),
           "--batch-size", str(args.batch_size), "--ready-epochs", str(args.ready_epochs),
           "--brake-share", str(args.brake_share), "--brake-window", str(args.brake_window),
           "--brake-min", str(args.brake_min)]  # fmt: skip
    if args.stop_at_end:
        out.append("--stop-at-end")
    if args.no_recovery:
        out.append("--no-recovery")
    elif args.recovery_dir is not None:
        out += ["--recovery-dir", str(args.recovery_dir)]
    if args.health_port is not None or args.metrics:
        out += ["--health-port", str(args.health_port or DEFAULT_HEALTH_PORT)]
    if args.limits is not None:
        out += ["--limits", str(args.limits)]
    return out
