"""The markets and tables suspended now, in Redis, for the risk board.

Layout (one Cluster slot per tenant):

- ``wf:suspended:{<tenant>}``: a hash from hold id (``{rule}:{scope}:{line or '*'}``, see
  ``wagerflow.schemas.control``) to the JSON of the ``market.suspend`` command holding it: rule,
  reason, the values that fired it, ``as_of_ms`` (since when) and, for ``MANUAL``, the trader;
- ``wf:suspended-version:{<tenant>}``: the version of the latest command applied per hold.

A command is applied only when its version is not lower than the stored one (check-and-apply,
one Lua script): a suspend sets the field, a resume deletes it. A replay, or an older command
arriving late, changes nothing; the version hash keeps one small field per hold ever suspended,
which is what makes a replayed suspend after its resume a no-op.

The flow writes every command of the suspend rules here (``RedisSuspensionSink``); the board
applies the traders' manual commands with ``apply_commands`` after publishing them.
"""

from __future__ import annotations

from collections.abc import Sequence

import redis
from bytewax.outputs import FixedPartitionedSink, StatefulSinkPartition
from redis.client import Pipeline

from wagerflow.connectors.redis_scripts import Script, run_batch
from wagerflow.connectors.redis_store import connect
from wagerflow.schemas.control import hold_id
from wagerflow.schemas.risk import RISK_ENCODER, MarketResume, MarketSuspend

Command = MarketSuspend | MarketResume
APPLY = """
local current = redis.call('HGET', KEYS[2], ARGV[1])
if current and tonumber(current) > tonumber(ARGV[2]) then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
if ARGV[3] == 'suspend' then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
else
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return 1
"""


def suspended_key(tenant_id: str) -> str:
    return f"wf:suspended:{{{tenant_id}}}"


def suspended_versions_key(tenant_id: str) -> str:
    return f"wf:suspended-version:{{{tenant_id}}}"


def _queue(script: Script, pipe: Pipeline[bytes], command: Command) -> None:
    tenant = command.tenant_id
    action = "suspend" if isinstance(command, MarketSuspend) else "resume"
    script.queue(
        pipe,
        [suspended_key(tenant), suspended_versions_key(tenant)],
        [hold_id(command), command.version, action, RISK_ENCODER.encode(command)],
    )


def apply_commands(client: redis.Redis[bytes], commands: Sequence[Command]) -> list[object]:
    """Apply ``commands`` in order, in one round trip; 1 per command applied, 0 per stale one."""
    script = Script(client, APPLY)

    def fill(pipe: Pipeline[bytes]) -> None:
        for command in commands:
            _queue(script, pipe, command)

    return run_batch(client, [script], fill)


class _SuspensionPartition(StatefulSinkPartition[Command, None]):
    def __init__(self, url: str) -> None:
        self._client = connect(url)
        self._apply = Script(self._client, APPLY)

    def write_batch(self, values: list[Command]) -> None:
        def fill(pipe: Pipeline[bytes]) -> None:
            for command in values:  # in order: a suspend and its resume may share a batch
                _queue(self._apply, pipe, command)

        run_batch(self._client, [self._apply], fill)

    def snapshot(self) -> None:
        return None

    def close(self) -> None:
        self._client.close()


class RedisSuspensionSink(FixedPartitionedSink[Command, None]):
    """Items are ``(routing_key, MarketSuspend | MarketResume)``."""

    def __init__(self, url: str) -> None:
        self._url = url

    def list_parts(self) -> list[str]:
        return ["redis-suspensions"]

    def part_fn(self, item_key: str) -> int:
        return 0

    def build_part(self, step_id: str, for_part: str, resume_state: None) -> _SuspensionPartition:
        return _SuspensionPartition(self._url)
