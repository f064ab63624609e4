"""What the risk layer publishes: exposures, limit breaches and market-control commands
(market and table holds, round liability alerts).

These are derived records, not provider events: each carries ``version`` (how many inputs have
changed that key, so a consumer keeps the highest) and ``as_of_ms`` (the event time of the last
input applied). Money is integer minor units of ``currency``; exposures of different currencies
are never added together.

Figures (MONEY.md §1): the liability of a selection (sports) is what the book loses if it wins,
the returns of the open bets on it minus the stakes of every open single on its market line;
negative when the book wins on it. A line's worst case with ``k`` winners is the sum of the ``k``
largest selection returns minus the line's stakes; an event's worst case is the sum of its lines'
(lines are not independent, so this is the conservative bound). A multiple's return counts on
each of its open legs' selections and its stake is offset against no single line.
"""

from typing import Literal

import msgspec

Book = Literal["PRE_MATCH", "IN_PLAY"]


class _Risk(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    schema_version: int = 1
    tenant_id: str
    version: int
    as_of_ms: int


class SelectionExposure(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    selection_id: str
    bets: int
    open_stake: int
    potential_return: int
    liability: int


class LineExposure(_Risk, tag="exposure.line", frozen=True, kw_only=True):
    """Open exposure of one market line in one book and currency."""

    event_id: str
    line_id: str
    book: Book
    currency: str
    selections: list[SelectionExposure]
    open_stake: int
    worst_case: int


class EventExposure(_Risk, tag="exposure.event", frozen=True, kw_only=True):
    event_id: str
    book: Book
    currency: str
    open_stake: int
    worst_case: int
    lines: int


class PlayerExposure(_Risk, tag="exposure.player", frozen=True, kw_only=True):
    """One player's open stake and potential return on one selection, and the liability of
    the selection restricted to that player's bets."""

    player_id: str
    event_id: str
    line_id: str
    selection_id: str
    currency: str
    open_stake: int
    potential_return: int
    liability: int = 0


class OutcomeLiability(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """If the round ends on ``outcome``: what the house pays (returns of the bets that win or
    push) minus the stakes it keeps (of the bets that lose)."""

    outcome: str
    liability: int


class RoundExposure(_Risk, tag="exposure.round", frozen=True, kw_only=True):
    """Open liability of a live-casino round, per possible outcome, while it is open."""

    provider_id: str
    round_id: str
    table_id: str | None
    game_id: str | None
    game_kind: Literal["roulette", "baccarat", "generic"]
    currency: str
    status: Literal["OPEN", "CLOSED", "SETTLED", "VOID"]
    open_stake: int
    outcomes: list[OutcomeLiability]
    worst_case: int


LimitRule = Literal[
    "MAX_STAKE",
    "MAX_PAYOUT",
    "MAX_LIABILITY_SELECTION",
    "MAX_LIABILITY_MARKET",
    "MAX_LIABILITY_EVENT",
]


class LimitBreach(_Risk, tag="limit.breach", frozen=True, kw_only=True):
    """A bet over a limit. Acceptance happens upstream; this flags it."""

    breach_id: str
    bet_id: str
    player_id: str | None
    profile: str
    rule: LimitRule
    scope: str
    """Where the limit that fired was set: ``platform``, ``sport:<id>``, ``event:<id>``, …"""
    limit: int
    value: int
    currency: str


SuspendRule = Literal[
    "LIABILITY_SELECTION",
    "LIABILITY_MARKET",
    "LIABILITY_EVENT",
    "PROVIDER_DOWN",
    "PROVIDER_BET_STOP",
    "ODDS_VELOCITY",
    "DATA_LAG",
    "MANUAL",
]
"""``MANUAL``: a trader's command from the risk board (``trader`` names who)."""


class MarketCommand(_Risk, frozen=True, kw_only=True):
    command_id: str
    """Deterministic: the same input always produces the same id (a replay emits nothing new)."""
    event_id: str
    """The sport event (a Betfair market stands for its event), or ``*``: every market of
    ``producer`` of ``provider_id`` (a provider-wide rule)."""
    line_id: str | None
    """None: every market of the event."""
    rule: SuspendRule
    reason: str
    values: dict[str, int]
    """The figures that fired the rule (e.g. liability and threshold in minor units)."""
    provider_id: str | None = None
    """Set on provider-wide commands (``event_id`` ``*``): the provider whose markets it holds."""
    producer: str | None = None
    """Set on provider-wide commands: the provider's producer (UOF product, Betfair stream). The
    command holds the markets whose normalized messages carry this ``producer`` (UOF odds, bet
    stops and results name theirs); a market whose messages name none (Betfair) is held by
    every producer of its provider."""
    trader: str | None = None
    """Set on ``MANUAL`` commands: the trader who issued it from the risk board."""


class MarketSuspend(MarketCommand, tag="market.suspend", frozen=True, kw_only=True):
    pass


class MarketResume(MarketCommand, tag="market.resume", frozen=True, kw_only=True):
    pass


class RecoveryRequested(_Risk, tag="provider.recovery_requested", frozen=True, kw_only=True):
    """A producer went down (MONEY.md §3.3): the ingress calls the provider's recovery API for
    it (UOF ``POST /{product}/recovery/initiate_request?after=``). One per outage, emitted with
    the outage's first ``PROVIDER_DOWN`` suspend and on the same key (``record_key``)."""

    command_id: str
    """``RECOVERY:{tenant}:{provider}/{producer}:request:{trigger_ms}``: deterministic, so a replay
    emits nothing new."""
    provider_id: str
    producer: str
    last_alive_ms: int | None
    """The timestamp of the producer's last ``alive`` with ``subscribed=1`` before the outage
    (recover after it); None when none was seen (a full recovery)."""
    reason: str


class RoundLiability(_Risk, tag="round.liability", frozen=True, kw_only=True):
    """A live round's worst outcome liability reached its table's threshold (MONEY.md §4.3):
    emitted once per crossing, again only after it fell below the threshold less hysteresis."""

    command_id: str
    """``ROUND_LIABILITY:{tenant}:{provider}/{round}:{currency}:{trigger_ms}``."""
    provider_id: str
    round_id: str
    table_id: str | None
    currency: str
    outcome: str
    """The worst outcome (its liability is ``liability``)."""
    liability: int
    threshold: int
    scope: str
    """Where the threshold was set: ``platform`` or ``table:<id>``."""


TableRule = Literal["PROVIDER_ERROR", "PROVIDER_SILENT"]


class TableCommand(_Risk, frozen=True, kw_only=True):
    """Hold or release a live table: its provider reported an error or fell silent."""

    command_id: str
    """``TABLE:{tenant}:{provider}/{table}:{action}:{trigger_ms}``: deterministic."""
    provider_id: str
    table_id: str
    rule: TableRule
    reason: str
    values: dict[str, int]


class TableSuspend(TableCommand, tag="table.suspend", frozen=True, kw_only=True):
    pass


class TableResume(TableCommand, tag="table.resume", frozen=True, kw_only=True):
    pass


ExposureRecord = LineExposure | EventExposure | PlayerExposure | RoundExposure
ControlRecord = (
    MarketSuspend | MarketResume | RecoveryRequested | RoundLiability | TableSuspend | TableResume
)
RiskRecord = ExposureRecord | ControlRecord | LimitBreach


def record_key(record: RiskRecord) -> str:
    """The compaction key of an exposure (the latest per key is the state), or the ordering
    key of a command or breach."""
    t = record.tenant_id
    if isinstance(record, LineExposure):
        return f"{t}:line:{record.event_id}:{record.line_id}:{record.book}:{record.currency}"
    if isinstance(record, EventExposure):
        return f"{t}:event:{record.event_id}:{record.book}:{record.currency}"
    if isinstance(record, PlayerExposure):
        return (
            f"{t}:player:{record.player_id}:{record.event_id}:{record.line_id}:"
            f"{record.selection_id}:{record.currency}"
        )
    if isinstance(record, RoundExposure):
        return f"{t}:round:{record.provider_id}:{record.round_id}:{record.currency}"
    if isinstance(record, LimitBreach):
        return f"{t}:bet:{record.bet_id}"
    if isinstance(record, RoundLiability):
        return f"{t}:round:{record.provider_id}:{record.round_id}"
    if isinstance(record, TableSuspend | TableResume):
        return f"{t}:table:{record.provider_id}:{record.table_id}"
    if isinstance(record, RecoveryRequested) or record.provider_id is not None:  # provider-wide
        return f"{t}:provider:{record.provider_id}/{record.producer}"
    return f"{t}:market:{record.event_id}:{record.line_id or '*'}"


RISK_ENCODER = msgspec.json.Encoder()
RISK_DECODER: msgspec.json.Decoder[RiskRecord] = msgspec.json.Decoder(RiskRecord)
