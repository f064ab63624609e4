"""Traders' manual suspend and resume: build the command, publish it, record it in Redis.

The command is a ``MANUAL`` ``MarketSuspend`` / ``MarketResume`` built by
``wagerflow.schemas.control`` (the same deterministic ids as the suspend rules), published on
``market.control`` with the same message key as the rules' commands (``risk.outputs``), then
applied to the current suspensions in Redis by the same check-and-apply script the flow uses.
Publishing comes first: a command the broker did not acknowledge is reported as failed and does
not show as suspended.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

import redis

from wagerflow.connectors.redis_suspensions import apply_commands
from wagerflow.risk.outputs import risk_record
from wagerflow.schemas.control import Action, manual_command
from wagerflow.schemas.records import OutRecord
from wagerflow.schemas.risk import MarketResume, MarketSuspend
from wagerflow.topics import Topics


class Publisher(Protocol):
    where: str

    def send(self, record: OutRecord) -> None: ...

    def close(self) -> None: ...


class ManualControl:
    def __init__(self, publisher: Publisher, redis_url: str, topics: Topics, tenant: str) -> None:
        self.publisher = publisher
        self._redis_url = redis_url
        self._topics = topics
        self.tenant = tenant

    def issue(
        self, action: Action, event_id: str, line_id: str | None, trader: str, reason: str
    ) -> MarketSuspend | MarketResume:
        command = manual_command(
            action,
            tenant=self.tenant,
            event_id=event_id,
            line_id=line_id,
            trader=trader,
            reason=reason,
            at_ms=time.time_ns() // 1_000_000,
        )
        self.publisher.send(risk_record(command, self._topics))
        client = redis.Redis.from_url(self._redis_url, socket_connect_timeout=3)
        try:
            apply_commands(client, [command])
        finally:
            client.close()
        return command

    async def issue_async(
        self, action: Action, event_id: str, line_id: str | None, trader: str, reason: str
    ) -> MarketSuspend | MarketResume:
        return await asyncio.to_thread(self.issue, action, event_id, line_id, trader, reason)
