"""Who may write: a shared trader token (from a Secret), a signed session cookie, CSRF tokens.

- The token comes from ``WAGERFLOW_BOARD_TOKEN`` or the file named by
  ``WAGERFLOW_BOARD_TOKEN_FILE`` (a mounted Kubernetes Secret). Without one, the board is
  read-only: every write is refused.
- Logging in (the trader's name and the token) sets ``wf_board_session``: the name, a random
  CSRF token and an expiry, signed with HMAC-SHA256 under a key derived from the token (so every
  replica of the board accepts it, and changing the token logs everyone out). The cookie is
  ``HttpOnly`` and ``SameSite=Strict``, ``Secure`` when the board is served over https.
- A write must carry the session's CSRF token in the ``X-CSRF-Token`` header (the page reads it
  from its own HTML); a cross-site page can neither read it nor send the cookie.
- Reading is open (a trusted network) unless ``read_login`` is set; then it needs a session too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from wagerflow.errors import ConfigError

COOKIE = "wf_board_session"
SESSION_S = 12 * 3600


@dataclass(frozen=True)
class Session:
    trader: str
    csrf: str
    expires: int


def token_from_env(env: dict[str, str]) -> str | None:
    path = env.get("WAGERFLOW_BOARD_TOKEN_FILE")
    if path:
        try:
            token = Path(path).read_text().strip()
        except OSError as exc:
            msg = f"cannot read WAGERFLOW_BOARD_TOKEN_FILE={path}: {exc}"
            raise ConfigError(msg) from exc
    else:
        token = env.get("WAGERFLOW_BOARD_TOKEN", "").strip()
    if token and len(token) < 12:
        raise ConfigError("the board token must be at least 12 characters")
    return token or None


def read_login_from_env(env: dict[str, str]) -> bool:
    value = env.get("WAGERFLOW_BOARD_READ", "open").strip().lower()
    if value not in {"open", "login"}:
        msg = f"WAGERFLOW_BOARD_READ must be 'open' or 'login'; got {value!r}"
        raise ConfigError(msg)
    return value == "login"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Auth:
    def __init__(self, token: str | None, *, read_login: bool = False) -> None:
        self._token = token
        self.read_login = read_login
        seed = token.encode() if token else os.urandom(32)
        self._key = hashlib.sha256(b"wagerflow-board-session\0" + seed).digest()

    @property
    def writable(self) -> bool:
        return self._token is not None

    def check_token(self, given: str) -> bool:
        return self._token is not None and hmac.compare_digest(given.encode(), self._token.encode())

    def issue(self, trader: str, now_s: float | None = None) -> tuple[Session, str]:
        expires = int((now_s or time.time()) + SESSION_S)
        session = Session(trader.strip(), secrets.token_urlsafe(24), expires)
        body = _b64(json.dumps([session.trader, session.csrf, expires]).encode())
        return session, f"{body}.{self._sign(body)}"

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())

    def session(self, cookie: str | None, now_s: float | None = None) -> Session | None:
        """The session a cookie proves, or None (absent, forged, expired, board read-only)."""
        if not cookie or not self.writable or "." not in cookie:
            return None
        body, sig = cookie.rsplit(".", 1)
        if not hmac.compare_digest(sig, self._sign(body)):
            return None
        try:
            trader, csrf, expires = json.loads(_unb64(body))
        except (ValueError, TypeError):
            return None
        if expires < (now_s or time.time()):
            return None
        return Session(str(trader), str(csrf), int(expires))
