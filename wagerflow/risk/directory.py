"""What the limits know of players and events: the directories ``LimitBook`` reads scopes from.

The contract's bets carry neither the player's country and KYC status nor their event's sport
and competition. A risk shard learns them from the feeds, in the order it sees them:

- players from ``PlayerUpdated`` (the generic bridge's ``playerUpdated``, broadcast to every
  shard) and from a players file given at start (``wagerflow run|replay --players FILE``);
- events from ``EventChanged`` and ``MarketStatusChanged`` that name a sport or competition
  (their event's own shard sees them, before the bets on that event in the same feed order).

An update sets the fields it gives; a field it leaves out (None) keeps its value. Unknown
players and events have no entry: no country, KYC or requested profile (so ``DEFAULT``), and no
sport or competition scope.

Players file: a JSON list of objects ``{"playerId": "p1", "country": "MT", "kycStatus":
"VERIFIED", "limitsProfile": "VIP_A"}`` (``playerId`` required; unknown keys refused), applied
in order; a bad file raises ``PlayersFileError``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import msgspec

from wagerflow.errors import WagerflowError


class Player(NamedTuple):
    country: str | None = None
    kyc: str | None = None
    profile: str | None = None
    """The profile the player's account asks for (a bet's own ``limits_profile`` comes first)."""


NO_PLAYER: Player = Player()

PlayerEntries = Mapping[str, Sequence[str | None]]
"""player_id -> (country, KYC status[, requested profile])."""
EventEntries = Mapping[str, tuple[str | None, str | None]]
"""event_id -> (sport_id, competition_id)."""


class PlayersFileError(WagerflowError, ValueError):
    """A players file that cannot be read."""


class _PlayerEntry(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", forbid_unknown_fields=True
):
    player_id: str
    country: str | None = None
    kyc_status: str | None = None
    limits_profile: str | None = None


def _merge(old: Player, new: Player) -> Player:
    return Player(*(n if n is not None else o for o, n in zip(old, new, strict=True)))


class Directory:
    """Players and events as the shard has learnt them (plain picklable state)."""

    def __init__(self, players: PlayerEntries | None = None, events: EventEntries | None = None):
        self._players = {pid: Player(*entry) for pid, entry in (players or {}).items()}
        self._events = dict(events or {})

    def player(self, player_id: str | None) -> Player:
        return self._players.get(player_id or "", NO_PLAYER)

    def update_player(self, player_id: str, entry: Player) -> None:
        self._players[player_id] = _merge(self.player(player_id), entry)

    def event(self, event_id: str) -> tuple[str | None, str | None]:
        return self._events.get(event_id, (None, None))

    def learn_event(self, event_id: str, sport: str | None, competition: str | None) -> None:
        """Record an event's sport and competition (None keeps what is known)."""
        if sport is None and competition is None:
            return
        old_sport, old_competition = self.event(event_id)
        self._events[event_id] = (sport or old_sport, competition or old_competition)

    def forget_event(self, event_id: str) -> None:
        """The event's entity was swept: its bets are settled, its entry is not needed."""
        self._events.pop(event_id, None)


def load_players_file(path: str | Path) -> dict[str, Player]:
    """The players of a players file (format in the module docstring), later entries merged
    over earlier ones."""
    name = str(path)
    try:
        raw: Any = msgspec.json.decode(Path(path).read_bytes())
    except (OSError, msgspec.DecodeError) as exc:
        msg = f"{name}: {exc}"
        raise PlayersFileError(msg) from exc
    if not isinstance(raw, list):
        msg = f"{name}: expected a JSON list of players"
        raise PlayersFileError(msg)
    players: dict[str, Player] = {}
    for index, item in enumerate(raw):
        try:
            e = msgspec.convert(item, _PlayerEntry)
        except msgspec.ValidationError as exc:
            msg = f"{name}: entry {index} {item!r}: {exc}"
            raise PlayersFileError(msg) from exc
        entry = Player(e.country, e.kyc_status, e.limits_profile)
        players[e.player_id] = _merge(players.get(e.player_id, NO_PLAYER), entry)
    return players
