"""The board's web application (Starlette, served by uvicorn).

Routes: ``/`` the page; ``/events`` the server-sent events (sections pushed as they change);
``/fragment/event``, ``/fragment/players``, ``/fragment/history`` the on-demand panes;
``/login``, ``/logout``; ``POST /api/control`` a manual suspend or resume; ``/static/…`` the
page's script and style (shipped in the package: the page needs no internet).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

import redis.asyncio as aioredis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route

from wagerflow.board import page, render
from wagerflow.board.auth import COOKIE, SESSION_S, Auth, Session
from wagerflow.board.commands import ManualControl
from wagerflow.board.history import HistoryReader
from wagerflow.board.live import read_event, read_snapshot
from wagerflow.board.poller import Poller

STATIC = {"board.js": "text/javascript", "board.css": "text/css"}


@dataclass(frozen=True)
class BoardConfig:
    tenant: str
    redis_url: str
    auth: Auth
    control: ManualControl | None
    history: HistoryReader | None = None
    interval_s: float = 0.25
    top: int = 20
    secure_cookie: bool = False


def _static(name: str) -> bytes:
    return resources.files("wagerflow.board").joinpath("static", name).read_bytes()


async def _form(request: Request) -> dict[str, str]:
    body = (await request.body()).decode("utf-8", "replace")
    return {k: v[0] for k, v in parse_qs(body, max_num_fields=20).items()}


def create_app(cfg: BoardConfig) -> Starlette:
    client = aioredis.Redis.from_url(cfg.redis_url, socket_connect_timeout=3)
    poller = Poller(lambda: read_snapshot(client, cfg.tenant, cfg.top), cfg.interval_s)
    auth = cfg.auth
    statics = {name: _static(name) for name in STATIC}
    delivery = cfg.control.publisher.where if cfg.control else "nowhere (read-only)"

    def session(request: Request) -> Session | None:
        return auth.session(request.cookies.get(COOKIE))

    def may_read(request: Request) -> bool:
        return not auth.read_login or session(request) is not None

    async def index(request: Request) -> Response:
        if not may_read(request):
            return RedirectResponse("/login", status_code=303)
        who = session(request)
        update = await poller.current(who is not None)
        html = page.board(cfg.tenant, update.html, who, auth.writable, delivery)
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    async def events(request: Request) -> Response:
        if not may_read(request):
            return PlainTextResponse("log in to read the board", status_code=401)
        can_write = session(request) is not None

        async def stream() -> AsyncIterator[str]:
            yield "retry: 2000\n\n"
            async for update in poller.updates(can_write):
                if update is None:
                    yield ": keep-alive\n\n"
                    continue
                body = {
                    "versions": update.versions,
                    "html": update.html,
                    "noticed_ms": update.noticed_ms,
                    "error": update.error,
                }
                yield f"event: sections\ndata: {json.dumps(body)}\n\n"

        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    async def event_fragment(request: Request) -> Response:
        if not may_read(request):
            return PlainTextResponse("log in to read the board", status_code=401)
        event_id = request.query_params.get("event", "")
        sheet = await read_event(client, cfg.tenant, event_id)
        return HTMLResponse(render.event_sheet(sheet, session(request) is not None))

    async def players_fragment(request: Request) -> Response:
        if not may_read(request):
            return PlainTextResponse("log in to read the board", status_code=401)
        q = request.query_params
        sheet = await read_event(client, cfg.tenant, q.get("event", ""))
        return HTMLResponse(render.players(sheet, q.get("line", ""), q.get("selection", "")))

    async def history_fragment(request: Request) -> Response:
        if not may_read(request):
            return PlainTextResponse("log in to read the board", status_code=401)
        if cfg.history is None:
            return HTMLResponse('<p class="note">no ClickHouse configured</p>')
        return HTMLResponse(page.history(await cfg.history.read_async()))

    async def login(request: Request) -> Response:
        if request.method == "GET":
            return HTMLResponse(page.login(None if auth.writable else "no trader token is set"))
        form = await _form(request)
        trader = form.get("trader", "").strip()
        if not trader or not auth.check_token(form.get("token", "")):
            return HTMLResponse(page.login("wrong name or token"), status_code=401)
        _, cookie = auth.issue(trader[:64])
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(
            COOKIE,
            cookie,
            max_age=SESSION_S,
            httponly=True,
            samesite="strict",
            secure=cfg.secure_cookie,
        )
        return response

    async def logout(request: Request) -> Response:
        who = session(request)
        form = await _form(request)
        if who is None or form.get("csrf") != who.csrf:
            return PlainTextResponse("not logged in", status_code=403)
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    async def control(request: Request) -> Response:
        who = session(request)
        if not auth.writable or cfg.control is None:
            return JSONResponse({"error": "this board is read-only"}, status_code=403)
        if who is None:
            return JSONResponse({"error": "log in to issue commands"}, status_code=401)
        if request.headers.get("x-csrf-token") != who.csrf:
            return JSONResponse({"error": "missing or wrong CSRF token"}, status_code=403)
        origin = request.headers.get("origin")
        if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
            return JSONResponse({"error": "cross-origin request refused"}, status_code=403)
        try:
            body: dict[str, Any] = json.loads(await request.body())
            action = body["action"]
            if action not in ("suspend", "resume"):
                raise ValueError(action)
            command = await cfg.control.issue_async(
                action,
                str(body["event"]),
                str(body.get("line") or "") or None,
                who.trader,
                str(body.get("reason") or ""),
            )
        except (ValueError, KeyError, TypeError) as exc:
            return JSONResponse({"error": f"bad command: {exc}"}, status_code=400)
        except Exception as exc:  # noqa: BLE001  delivery failed: tell the trader, keep serving
            return JSONResponse({"error": f"not delivered: {exc}"}, status_code=502)
        await poller.refresh()
        return JSONResponse(
            {"command_id": command.command_id, "delivered_to": cfg.control.publisher.where}
        )

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in statics:
            return PlainTextResponse("not found", status_code=404)
        return Response(statics[name], media_type=STATIC[name])

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok" if poller.error is None else poller.error)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await poller.start()
        try:
            yield
        finally:
            await poller.stop()
            await client.close()
            if cfg.control is not None:
                cfg.control.publisher.close()

    routes = [
        Route("/", index),
        Route("/events", events),
        Route("/fragment/event", event_fragment),
        Route("/fragment/players", players_fragment),
        Route("/fragment/history", history_fragment),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/api/control", control, methods=["POST"]),
        Route("/static/{name}", static),
        Route("/healthz", healthz),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
