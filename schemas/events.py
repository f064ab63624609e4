"""The normalized contract: what every downstream consumer codes against.

(Over 400 lines: the whole normalized contract in one module, so a consumer reads every event type
and the union of each topic in one place.)

One tagged union per stream (topic); the ``type`` field is the tag. Rules:

- ``SCHEMA_VERSION`` is carried by every event. Adding an optional field keeps the version;
  removing, renaming or retyping a field bumps it (``tests/test_contract.py`` pins both ways).
- Money is integer minor units with its ISO-4217 currency; odds are decimal odds x 10,000 and
  factors (void, dead heat) are x 10,000 too, as integers (``wagerflow.money``). No floats.
- Times are UTC epoch milliseconds.
- ``dedup_key`` is built only from provider identifiers (never arrival order or wall clock), so a
  resent message produces the same key.
- ``source`` records where the raw bytes were read (topic/partition/offset, or file/line).
- A market *line* is the market id plus its canonical (sorted) specifiers: ``18:total=2.5``.
  Selection and outcome ids are strings (integers or URNs).
- ``producer``: a provider with several producers (UOF ``product``: 1 live odds, 3 Ctrl, ...)
  names the one behind each odds, market, lifecycle and result message and each health message,
  so a producer's outage holds that producer's markets only (MONEY.md §3.3).
"""

from typing import Literal

import msgspec

SCHEMA_VERSION = 2
"""2: ``OutcomeResult.won`` may be None (an undecided outcome); a version-1 reader would take it
for lost."""

Category = Literal["sport", "slot", "live"]
SelectionResultCode = Literal["WINNER", "LOSER", "REMOVED", "PLACED", "REMOVED_VACANT", "HIDDEN"]
LineStatus = Literal["OPEN", "SUSPENDED", "INACTIVE", "HANDED_OVER", "SETTLED", "CANCELLED"]
BetOutcome = Literal["WIN", "LOSE", "PUSH", "VOID", "HALF_WIN", "HALF_LOSE", "RETRY"]


class SourceRef(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Where raw bytes came from: a Kafka coordinate, or a file (topic) and line (offset)."""

    topic: str
    partition: int
    offset: int


NO_SOURCE = SourceRef(topic="", partition=0, offset=0)
"""For bytes decoded outside any source (keying a message to produce, sorting a replay) and for
comparing events whatever their source."""


class _Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    schema_version: int = SCHEMA_VERSION
    tenant_id: str
    provider_id: str
    category: Category
    event_time_ms: int
    received_time_ms: int
    dedup_key: str
    source: SourceRef


# --- odds -------------------------------------------------------------------------------------


class OddsChanged(_Event, tag="odds.change", frozen=True, kw_only=True):
    """Exchange top of book of one selection changed: best back, best lay, last traded."""

    event_id: str | None
    market_id: str
    selection_id: str
    currency: str
    best_back_odds: int | None
    best_back_size: int | None
    best_lay_odds: int | None
    best_lay_size: int | None
    last_traded_odds: int | None


class OutcomeOdds(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    outcome_id: str
    odds: int | None
    active: bool


class LineOddsChanged(_Event, tag="odds.line", frozen=True, kw_only=True):
    """A bookmaker's prices for every outcome of one market line (UOF ``odds_change``, the
    generic feed's ``oddsChanged``)."""

    event_id: str
    market_id: str
    specifiers: str | None
    line_id: str
    status: LineStatus
    outcomes: list[OutcomeOdds]
    producer: str | None = None
    """The provider's producer that sent it (UOF ``product``); None when the feed has one."""


OddsEvent = OddsChanged | LineOddsChanged


# --- market status ----------------------------------------------------------------------------


class MarketStatusChanged(_Event, tag="market.status", frozen=True, kw_only=True):
    """A market's trading status changed (or was first seen)."""

    event_id: str | None
    market_id: str
    status: str
    in_play: bool
    previous_status: str | None
    number_of_winners: int | None = None
    """How many selections can win together (Betfair ``numberOfWinners``); None: not stated
    (a market counts one until a message states otherwise)."""
    sport_id: str | None = None
    """The event's sport as the feed names it (Betfair ``eventTypeId``), when it says."""
    competition_id: str | None = None
    """The event's competition (Betfair ``competitionId``), when the feed says."""


class BettingStopped(_Event, tag="market.bet_stop", frozen=True, kw_only=True):
    """Stop accepting bets on an event's markets (UOF ``bet_stop``): ``groups`` is ``all`` or
    ``a|b`` market groups; ``status`` what those markets become."""

    event_id: str
    groups: str
    status: LineStatus
    producer: str | None = None
    """The provider's producer that sent it (UOF ``product``); None when the feed has one."""


class RunnerRemoved(_Event, tag="market.runner_removed", frozen=True, kw_only=True):
    """A runner left a Betfair market (status REMOVED or REMOVED_VACANT), emitted once, from the
    first market definition that shows it. Bets on it are void from then on; bets on the other
    runners accepted before ``removal_time_ms`` have their odds reduced by ``adjustment_factor``
    (MONEY.md §2.1, §2.2)."""

    event_id: str | None
    market_id: str
    selection_id: str
    adjustment_factor: int | None
    """The runner's ``adjustmentFactor``: percent x 10,000 (7.14 % -> 71,400); None: none."""
    removal_time_ms: int
    """The runner's ``removalDate``; without one, the time of the definition that showed it."""
    vacant: bool
    """``REMOVED_VACANT`` (a vacant trap) rather than ``REMOVED``."""


MarketEvent = MarketStatusChanged | BettingStopped | RunnerRemoved


# --- event lifecycle --------------------------------------------------------------------------

EventChange = Literal["CREATED", "SUSPENDED", "RESUMED", "FINISHED", "FIXTURE_CHANGED"]


class EventChanged(_Event, tag="event.lifecycle", frozen=True, kw_only=True):
    """A sport event was created, suspended, resumed, finished, or its fixture changed."""

    event_id: str
    change: EventChange
    name: str | None = None
    start_time_ms: int | None = None
    detail: str | None = None
    sport_id: str | None = None
    competition_id: str | None = None
    producer: str | None = None
    """The provider's producer that sent it (UOF ``product``); None when the feed has one."""


LifecycleEvent = EventChanged


# --- rounds (live casino and slots) -----------------------------------------------------------

RoundChange = Literal["STARTED", "BETTING_OPEN", "BETTING_CLOSED", "ABORTED"]


class RoundChanged(_Event, tag="round.lifecycle", frozen=True, kw_only=True):
    round_id: str
    change: RoundChange
    table_id: str | None = None
    game_id: str | None = None
    reason: str | None = None


class Payout(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    bet_id: str | None = None
    player_id: str | None = None
    amount: int
    currency: str


class RoundResult(_Event, tag="round.result", frozen=True, kw_only=True):
    """A live round's result with the payouts the provider computed."""

    round_id: str
    outcome: str
    payouts: list[Payout]
    table_id: str | None = None
    game_id: str | None = None
    corrects: str | None = None
    """Set by the normalize stage on a correction: the dedup key (the same as this event's)
    whose earlier result this one replaces (``wagerflow.pipeline.dedup``)."""


class SettledBet(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    bet_id: str
    stake: int
    payout: int
    outcome: BetOutcome


class RoundTransaction(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    transaction_id: str
    direction: Literal["DEBIT", "CREDIT"]
    amount: int


class RoundSettled(_Event, tag="round.settle", frozen=True, kw_only=True):
    """The live-casino bridge's ``round.settle``: per-bet outcomes and wallet transactions."""

    round_id: str
    currency: str
    bets: list[SettledBet]
    transactions: list[RoundTransaction]
    balance_after: int | None = None
    session_id: str | None = None
    corrects: str | None = None
    """Set by the normalize stage on a correction, as ``RoundResult.corrects``."""


class SpinRequested(_Event, tag="slot.spin_requested", frozen=True, kw_only=True):
    session_id: str
    spin_id: str
    bet_amount: int
    currency: str
    game_id: str | None = None


class SpinResult(_Event, tag="slot.spin_result", frozen=True, kw_only=True):
    session_id: str
    spin_id: str
    symbols: list[str]
    payout: int
    balance: int | None
    currency: str
    game_id: str | None = None


RoundEvent = RoundChanged | RoundResult | RoundSettled | SpinRequested | SpinResult


# --- bets -------------------------------------------------------------------------------------


class BetSelection(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One leg: a sports selection (event, market line, selection) or a live-casino bet spot
    (market = the bet type such as ``straight`` or ``banker``, selection = its value)."""

    market_id: str
    selection_id: str
    event_id: str | None = None
    line_id: str | None = None
    odds: int | None = None
    """The leg's own accepted odds (x 10,000): each leg of a multiple carries its own."""


class BetPlaced(_Event, tag="bet.placed", frozen=True, kw_only=True):
    bet_id: str
    idempotency_key: str
    selections: list[BetSelection]
    stake: int
    currency: str
    accepted_odds: int | None = None
    potential_payout: int | None = None
    player_id: str | None = None
    session_id: str | None = None
    round_id: str | None = None
    limits_profile: str | None = None
    table_id: str | None = None
    """A live bet's table, when the bridge names it (its ``table:<id>`` limits and health)."""


class BetDecided(_Event, tag="bet.decision", frozen=True, kw_only=True):
    """Upstream acceptance (``bet.accepted``) or rejection (``bet.rejected``) of a bet."""

    bet_id: str
    decision: Literal["ACCEPTED", "REJECTED"]
    reason: str | None = None
    accepted_odds: int | None = None


class BetSettled(_Event, tag="bet.settled", frozen=True, kw_only=True):
    """A provider-settled bet (the generic feed's ``BetSettled``)."""

    bet_id: str
    outcome: BetOutcome
    payout: int
    currency: str


class SessionClosed(_Event, tag="session.closed", frozen=True, kw_only=True):
    session_id: str
    player_id: str | None = None
    reason: str | None = None


BetEvent = BetPlaced | BetDecided | BetSettled | SessionClosed


# --- results ----------------------------------------------------------------------------------


class SelectionResult(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    selection_id: str
    result: SelectionResultCode
    bsp_odds: int | None = None
    adjustment_factor: int | None = None
    """Betfair ``adjustmentFactor``, percent x 10,000 (as ``RunnerRemoved``)."""
    removal_time_ms: int | None = None
    """A removed runner's ``removalDate`` (as ``RunnerRemoved``); None for the others."""


class MarketSettled(_Event, tag="market.result", frozen=True, kw_only=True):
    """The provider's result for every selection of a market (Betfair: CLOSED definition)."""

    event_id: str | None
    market_id: str
    results: list[SelectionResult]
    number_of_winners: int | None = None
    """Betfair ``numberOfWinners`` (places paid); None: one."""
    each_way_divisor: int | None = None
    """Betfair ``eachWayDivisor`` x 10,000 (an ``EACH_WAY`` market's place-odds divisor)."""
    market_type: str | None = None
    """Betfair ``marketType`` (``WIN``, ``PLACE``, ``EACH_WAY`` ...)."""

    @property
    def winners(self) -> list[str]:
        return [r.selection_id for r in self.results if r.result == "WINNER"]


class OutcomeResult(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """``won``: True won, False lost, None undecided yet (UOF ``result="-1"``, MONEY.md §3.2:
    bets on it stay open while the line's other outcomes settle; a later settlement of the line
    decides it). ``void_factor`` the refunded share of the stake and ``dead_heat_factor`` the
    paid share of the winnings, both x 10,000 (10,000 = all) or None."""

    outcome_id: str
    won: bool | None
    void_factor: int | None = None
    dead_heat_factor: int | None = None


class LineSettled(_Event, tag="result.line", frozen=True, kw_only=True):
    """Outcome results of one market line (UOF ``bet_settlement``). ``certainty`` 1 is live
    scouted, 2 confirmed; a certainty-2 settlement that repeats an earlier certainty-1 one names
    it in ``confirms`` (its dedup key) and must not pay twice."""

    event_id: str
    market_id: str
    specifiers: str | None
    line_id: str
    certainty: int
    outcomes: list[OutcomeResult]
    void_reason: int | None = None
    confirms: str | None = None
    producer: str | None = None
    """The provider's producer that sent it (UOF ``product``); None when the feed has one."""


class LineCancelled(_Event, tag="result.cancel", frozen=True, kw_only=True):
    """Bets on the line placed inside ``[start_time_ms, end_time_ms]`` (either bound may be
    absent) are void (UOF ``bet_cancel``)."""

    event_id: str
    market_id: str
    specifiers: str | None
    line_id: str
    start_time_ms: int | None
    end_time_ms: int | None
    void_reason: int | None = None
    superceded_by: str | None = None
    producer: str | None = None
    """The provider's producer that sent it (UOF ``product``); None when the feed has one."""


class SettlementRolledBack(_Event, tag="result.rollback_settlement", frozen=True, kw_only=True):
    event_id: str
    market_id: str
    specifiers: str | None
    line_id: str
    producer: str | None = None
    """The provider's producer that sent it (UOF ``product``); None when the feed has one."""


class CancelRolledBack(_Event, tag="result.rollback_cancel", frozen=True, kw_only=True):
    event_id: str
    market_id: str
    specifiers: str | None
    line_id: str
    start_time_ms: int | None = None
    end_time_ms: int | None = None
    producer: str | None = None
    """The provider's producer that sent it (UOF ``product``); None when the feed has one."""


class EventResult(_Event, tag="result.event", frozen=True, kw_only=True):
    """The generic feed's ``eventResult``: the winning selections of a market."""

    event_id: str
    market_id: str
    winners: list[str]
    void_selections: list[str] = []


ResultEvent = (
    MarketSettled
    | LineSettled
    | LineCancelled
    | SettlementRolledBack
    | CancelRolledBack
    | EventResult
)


# --- wallet transactions ----------------------------------------------------------------------

TransactionKind = Literal[
    "BET",
    "WIN",
    "ROLLBACK",
    "REFUND",
    "BONUS_WIN",
    "JACKPOT_WIN",
    "PROMO_WIN",
    "END_ROUND",
    "ADJUSTMENT",
]


class WalletTransaction(_Event, tag="wallet.transaction", frozen=True, kw_only=True):
    """A seamless-wallet callback. ``reference_id`` names the transaction this one refers to
    (a win's bet, a rollback's target). ``amount`` is unsigned; ``direction`` says which way."""

    transaction_id: str
    kind: TransactionKind
    direction: Literal["DEBIT", "CREDIT", "NONE"]
    amount: int
    currency: str
    reference_id: str | None = None
    round_id: str | None = None
    player_id: str | None = None
    session_id: str | None = None
    game_id: str | None = None
    table_id: str | None = None
    round_closed: bool = False
    is_free: bool = False


WalletEvent = WalletTransaction


# --- limits -----------------------------------------------------------------------------------


class LimitsUpdated(_Event, tag="limits.update", frozen=True, kw_only=True):
    """A limit profile or override changed (the live-casino bridge's ``limits.update``)."""

    profile: str
    scope: str
    currency: str | None = None
    max_stake: int | None = None
    max_payout: int | None = None
    max_liability: int | None = None


class PlayerUpdated(_Event, tag="player.update", frozen=True, kw_only=True):
    """A player's directory entry changed (the generic bridge's ``playerUpdated``): what the
    limits read to choose the player's profile. None: the field is unchanged."""

    player_id: str
    country: str | None = None
    """ISO 3166-1 alpha-2, upper case."""
    kyc_status: str | None = None
    limits_profile: str | None = None


class ThresholdsUpdated(_Event, tag="thresholds.update", frozen=True, kw_only=True):
    """Suspend thresholds of one currency changed (the live bridge's ``thresholds.update``),
    minor units; None: unchanged. ``scope`` ``platform``, or ``table:<id>`` for a table's round
    threshold."""

    currency: str
    scope: str = "platform"
    selection_liability: int | None = None
    market_liability: int | None = None
    event_liability: int | None = None
    round_liability: int | None = None


LimitsEvent = LimitsUpdated | PlayerUpdated | ThresholdsUpdated


# --- provider health --------------------------------------------------------------------------

HealthState = Literal["ALIVE", "DOWN", "LAGGING", "SNAPSHOT_COMPLETE", "ERROR"]


class ProviderHealth(_Event, tag="provider.health", frozen=True, kw_only=True):
    """A producer's liveness: UOF ``alive`` / ``product_down`` / ``snapshot_complete``, Betfair
    ``status: 503`` (stream lagging), the bridge's ``provider.error``."""

    producer: str
    state: HealthState
    detail: str | None = None
    subscribed: bool | None = None
    request_id: int | None = None


HealthEvent = ProviderHealth

NormalizedEvent = (
    OddsEvent
    | MarketEvent
    | LifecycleEvent
    | RoundEvent
    | BetEvent
    | ResultEvent
    | WalletEvent
    | LimitsEvent
    | HealthEvent
)

STREAMS: dict[str, object] = {
    "norm.odds": OddsEvent,
    "norm.markets": MarketEvent,
    "norm.events": LifecycleEvent,
    "norm.rounds": RoundEvent,
    "norm.bets": BetEvent,
    "norm.results": ResultEvent,
    "norm.wallet": WalletEvent,
    "norm.limits": LimitsEvent,
    "norm.health": HealthEvent,
}
"""Each normalized topic and the union its messages belong to."""

EVENT_ENCODER = msgspec.json.Encoder()
EVENT_DECODER: msgspec.json.Decoder[NormalizedEvent] = msgspec.json.Decoder(NormalizedEvent)
