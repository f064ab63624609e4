"""History from ClickHouse, on demand: suspensions by rule and GGR by provider and currency.

Read when a trader opens the history pane, never on the live path. The embedded engine
(``chdb://``) locks its directory in the process that writes it, so against a running flow's
embedded engine the pane says it is unavailable; a ClickHouse server (``http(s)://``) serves
both. ``wagerflow demo --board`` reads the demo's engine after its replay.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any

from wagerflow.connectors import clickhouse_client
from wagerflow.errors import WagerflowError

SUSPENSIONS_BY_RULE = (
    "SELECT rule, countIf(action = 'SUSPEND') AS suspends, "
    "countIf(action = 'RESUME') AS resumes, max(as_of) AS last "
    "FROM suspensions FINAL WHERE tenant_id = {tenant:String} GROUP BY rule ORDER BY suspends DESC"
)
GGR = (
    "SELECT provider_id, currency, sum(bets) AS bets, sum(turnover) AS turnover, "
    "sum(ggr) AS ggr FROM ggr_hourly WHERE tenant_id = {tenant:String} "
    "GROUP BY provider_id, currency ORDER BY provider_id, currency"
)


@dataclass(frozen=True)
class History:
    suspensions: list[tuple[Any, ...]]
    ggr: list[tuple[Any, ...]]
    error: str | None = None


class HistoryReader:
    def __init__(self, dsn: str, database: str, tenant: str) -> None:
        self._dsn = dsn
        self._database = database
        self._tenant = tenant
        self._lock = threading.Lock()  # one query at a time (the embedded engine is in-process)

    def read(self) -> History:
        with self._lock:
            try:
                client = clickhouse_client.connect(self._dsn, self._database)
            except WagerflowError as exc:
                return History([], [], f"ClickHouse unavailable: {exc}")
            try:
                params = {"tenant": self._tenant}
                rules = client.query(SUSPENSIONS_BY_RULE, parameters=params).result_rows
                ggr = client.query(GGR, parameters=params).result_rows
                return History([tuple(r) for r in rules], [tuple(r) for r in ggr])
            except Exception as exc:  # noqa: BLE001  a history pane must not break the board
                return History([], [], f"ClickHouse query failed: {exc}")
            finally:
                client.close()

    async def read_async(self) -> History:
        return await asyncio.to_thread(self.read)
