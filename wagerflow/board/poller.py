"""One Redis poller per board process, shared by every open page.

Every ``interval_s`` (while at least one page is streaming) the poller reads the snapshot once,
renders each section, and bumps the version of the sections whose HTML changed. Each page's
event stream waits on one condition and sends only the sections newer than the versions it has
sent, so 100 open pages cost one Redis read per interval and one render per change, not 100.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from wagerflow.board.live import Snapshot
from wagerflow.board.render import SECTIONS, sections

log = logging.getLogger(__name__)
Reader = Callable[[], Awaitable[Snapshot]]


@dataclass
class Update:
    versions: dict[str, int]
    html: dict[str, str]
    noticed_ms: int
    """When the poller read the change (epoch ms): the start of the push's delay."""
    error: str | None = None


@dataclass
class _Rendered:
    version: int = 0
    html: dict[bool, str] = field(default_factory=dict)  # can_write -> HTML


class Poller:
    def __init__(self, read: Reader, interval_s: float = 0.25) -> None:
        self._read = read
        self.interval_s = interval_s
        self._sections = {name: _Rendered() for name in SECTIONS}
        self._changed = asyncio.Condition()
        self._generation = 0
        self._noticed_ms = 0
        self._read_at = 0.0
        self._streams = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.error: str | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:
            if self._streams == 0:
                self._wake.clear()
                await self._wake.wait()
            started = time.monotonic()
            await self.refresh()
            await asyncio.sleep(max(0.0, self.interval_s - (time.monotonic() - started)))

    async def refresh(self) -> None:
        """Read Redis once and publish the sections that changed."""
        try:
            snap = await self._read()
        except Exception as exc:  # noqa: BLE001  Redis down: keep the last figures, say so
            error = f"live data unavailable: {exc}"
            if error != self.error:
                log.warning("%s", error)
                self.error = error
                await self._publish()
            return
        self._read_at = time.monotonic()
        changed = self.error is not None
        self.error = None
        for can_write in (False, True):
            for name, html in sections(snap, can_write).items():
                held = self._sections[name]
                if held.html.get(can_write) != html:
                    held.html[can_write] = html
                    if not can_write:
                        held.version += 1
                    changed = True
        if changed:
            await self._publish()

    async def _publish(self) -> None:
        async with self._changed:
            self._generation += 1
            self._noticed_ms = time.time_ns() // 1_000_000
            self._changed.notify_all()

    async def current(self, can_write: bool) -> Update:
        """The sections now (reading Redis first if the last read is older than the interval)."""
        if time.monotonic() - self._read_at > self.interval_s:
            await self.refresh()
        return self._since({}, can_write)

    def _since(self, sent: dict[str, int], can_write: bool) -> Update:
        fresh = {n: s for n, s in self._sections.items() if s.version > sent.get(n, 0)}
        return Update(
            versions={n: s.version for n, s in fresh.items()},
            html={n: s.html.get(can_write, "") for n, s in fresh.items()},
            noticed_ms=self._noticed_ms,
            error=self.error,
        )

    async def updates(
        self, can_write: bool, keepalive_s: float = 15.0
    ) -> AsyncIterator[Update | None]:
        """Yield an ``Update`` with what changed since the last one this stream sent (the
        first is everything), or None every ``keepalive_s`` without a change."""
        self._streams += 1
        self._wake.set()
        sent: dict[str, int] = {}
        seen = -1
        first = True

        def fresh() -> bool:
            return self._generation != seen

        try:
            while True:
                async with self._changed:
                    try:
                        await asyncio.wait_for(self._changed.wait_for(fresh), keepalive_s)
                    except TimeoutError:
                        yield None
                        continue
                    seen = self._generation
                    update = self._since(sent, can_write)
                sent.update(update.versions)
                if update.versions or update.error is not None or first:
                    first = False
                    yield update
        finally:
            self._streams -= 1
