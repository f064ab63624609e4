"""The page shell (sections filled in by ``render``), the login form and the history pane."""

from __future__ import annotations

from html import escape

from wagerflow.board.auth import Session
from wagerflow.board.history import History
from wagerflow.board.render import SECTIONS, TITLES, money


def _who(session: Session | None, writable: bool, delivery: str) -> str:
    if session is not None:
        return (
            f'<span class="who">trader <b id="trader">{escape(session.trader)}</b> · commands go '
            f'to {escape(delivery)}</span> <form method="post" action="/logout" class="inline">'
            f'<input type="hidden" name="csrf" value="{escape(session.csrf)}">'
            "<button>log out</button></form>"
        )
    if not writable:
        return '<span class="who">read-only (no trader token configured)</span>'
    return '<a href="/login" id="login-link">log in to suspend or resume</a>'


def board(
    tenant: str, html: dict[str, str], session: Session | None, writable: bool, delivery: str
) -> str:
    parts = []
    for name in SECTIONS:
        wide = " wide" if name in ("liabilities", "suspensions") else ""
        parts.append(
            f'<section class="card{wide}"><h2>{TITLES[name]}</h2>'
            f'<div id="s-{name}" data-section="{name}">{html.get(name, "")}</div></section>'
        )
    csrf = f'<meta name="csrf" content="{escape(session.csrf)}">' if session else ""
    control = (
        '<section class="card" id="manual"><h2>Manual suspend / resume</h2>'
        '<form id="manual-form"><input name="event" placeholder="event id" required> '
        '<input name="line" placeholder="line id (empty: whole event)"> '
        '<input name="reason" placeholder="reason"> '
        '<button name="action" value="suspend">suspend</button> '
        '<button name="action" value="resume">resume</button></form>'
        '<p id="manual-result" class="note"></p></section>'
        if session
        else ""
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{csrf}<title>wagerflow risk board · {escape(tenant)}</title>
<link rel="stylesheet" href="/static/board.css"></head>
<body data-tenant="{escape(tenant)}">
<header><h1>wagerflow risk board</h1><span class="tenant">tenant {escape(tenant)}</span>
<span id="live" class="live">connecting…</span>{_who(session, writable, delivery)}</header>
<p id="error" class="error" hidden></p>
<main>{"".join(parts)}
<section class="card wide" id="detail" hidden><h2>Event sheet
<button id="detail-close" class="close">close</button></h2>
<div id="event-sheet"></div><div id="player-sheet"></div></section>
{control}
<section class="card wide"><h2>History (ClickHouse) <button id="history-load">load</button>
</h2><div id="history"></div></section>
</main><script src="/static/board.js"></script></body></html>"""


def login(error: str | None = None) -> str:
    note = f'<p class="error">{escape(error)}</p>' if error else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>wagerflow risk board · log in</title>
<link rel="stylesheet" href="/static/board.css"></head><body>
<main class="login"><h1>Log in to the risk board</h1>{note}
<form method="post" action="/login">
<label>your name <input name="trader" id="trader-name" required maxlength="64"></label>
<label>trader token <input name="token" id="token" type="password" required></label>
<button id="login-submit">log in</button></form></main></body></html>"""


def history(h: History) -> str:
    if h.error:
        return f'<p class="error">{escape(h.error)}</p>'
    rules = "".join(
        f"<tr><td>{escape(str(r))}</td><td class=num>{s}</td><td class=num>{m}</td>"
        f"<td>{escape(str(last))}</td></tr>"
        for r, s, m, last in h.suspensions
    )
    ggr = "".join(
        f"<tr><td>{escape(str(p))}</td><td class=num>{b}</td>"
        f"<td class=num>{money(int(t), str(c))}</td><td class=num>{money(int(g), str(c))}</td></tr>"
        for p, c, b, t, g in h.ggr
    )
    return (
        "<h3>Suspensions by rule</h3><table><thead><tr><th>rule</th><th>suspends</th>"
        f"<th>resumes</th><th>last (UTC)</th></tr></thead><tbody>{rules}</tbody></table>"
        "<h3>GGR by provider</h3><table><thead><tr><th>provider</th><th>bets</th>"
        f"<th>turnover</th><th>GGR</th></tr></thead><tbody>{ggr}</tbody></table>"
    )
