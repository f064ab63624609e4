"""Player pseudonyms: no player identifier reaches ClickHouse in clear.

``Pseudonymizer(key)(tenant, player_id)`` is ``HMAC-SHA256(key, tenant 0x1f player_id)`` as hex,
truncated to ``length`` characters (32 by default: 128 bits, collisions are negligible). Keyed, so
nobody without the key can test a guessed player id against a pseudonym; per tenant, so the same
player id of two tenants (two operators' players) gets two pseudonyms. Deterministic, so the
same player always maps to the same pseudonym and per-player analytics (counts, sums, joins)
work on pseudonyms. The key is ``Settings.pseudonym_key`` (``WAGERFLOW_PSEUDONYM_KEY``). Changing
it changes every pseudonym: keep it for as long as the data it keyed.

``pseudonymize_event`` gives a normalized event with its player ids replaced, for a payload that
is stored whole (``norm_events``): ``player_id`` fields, payout player ids, and ``player:ID``
limit scopes.
"""

from __future__ import annotations

import hashlib
import hmac

import msgspec

from wagerflow.schemas.events import (
    BetPlaced,
    LimitsUpdated,
    NormalizedEvent,
    PlayerUpdated,
    RoundResult,
    SessionClosed,
    WalletTransaction,
)

PLAYER_SCOPE = "player:"


class Pseudonymizer:
    """Keyed, per-tenant, deterministic pseudonyms of player ids (see the module docstring)."""

    __slots__ = ("_cache", "_key", "_length", "_max_cached")

    def __init__(self, key: bytes, length: int = 32, max_cached: int = 100_000) -> None:
        if not key:
            msg = "the pseudonym key must not be empty (WAGERFLOW_PSEUDONYM_KEY)"
            raise ValueError(msg)
        if not 16 <= length <= 64:
            msg = "pseudonym length must be 16..64 hex characters"
            raise ValueError(msg)
        self._key = key
        self._length = length
        self._max_cached = max_cached
        self._cache: dict[tuple[str, str], str] = {}

    def __call__(self, tenant_id: str, player_id: str | None) -> str:
        """The pseudonym of ``player_id`` in ``tenant_id``; ``""`` for no player."""
        if not player_id:
            return ""
        cached = self._cache.get((tenant_id, player_id))
        if cached is not None:
            return cached
        message = tenant_id.encode() + b"\x1f" + player_id.encode()
        digest = hmac.new(self._key, message, hashlib.sha256).hexdigest()[: self._length]
        if len(self._cache) >= self._max_cached:
            self._cache.clear()
        self._cache[(tenant_id, player_id)] = digest
        return digest

    def optional(self, tenant_id: str, player_id: str | None) -> str | None:
        """As ``__call__``, but None stays None (for optional fields of a payload)."""
        return None if player_id is None else self(tenant_id, player_id)

    def scope(self, tenant_id: str, scope: str) -> str:
        """A limit scope with a player id (``player:ID``) made ``player:PSEUDONYM``."""
        if scope.startswith(PLAYER_SCOPE):
            return PLAYER_SCOPE + self(tenant_id, scope[len(PLAYER_SCOPE) :])
        return scope


def pseudonymize_event(event: NormalizedEvent, pseudo: Pseudonymizer) -> NormalizedEvent:
    """``event`` with every player id replaced by its pseudonym (the same event when it names
    no player)."""
    tenant = event.tenant_id
    if isinstance(event, PlayerUpdated):
        return msgspec.structs.replace(event, player_id=pseudo(tenant, event.player_id))
    if isinstance(event, BetPlaced | WalletTransaction | SessionClosed):
        if event.player_id is None:
            return event
        return msgspec.structs.replace(event, player_id=pseudo(tenant, event.player_id))
    if isinstance(event, RoundResult):
        if all(p.player_id is None for p in event.payouts):
            return event
        payouts = [
            msgspec.structs.replace(p, player_id=pseudo.optional(tenant, p.player_id))
            for p in event.payouts
        ]
        return msgspec.structs.replace(event, payouts=payouts)
    if isinstance(event, LimitsUpdated) and event.scope.startswith(PLAYER_SCOPE):
        return msgspec.structs.replace(event, scope=pseudo.scope(tenant, event.scope))
    return event
