"""Live-casino and seamless-wallet settlement: normalized inputs -> ``BetSettlement`` versions.

``CasinoSettlement(config).apply(event)`` takes normalized events in order and returns the new
version of every bet the event changed (an empty list when nothing changed; the bets of a round
in ``bet_id`` order). It is pure and deterministic (no I/O, no clock, no randomness), its state
is plain picklable Python (a Bytewax snapshot), and a repeated input changes nothing. Keys follow
``wagerflow.risk.rounds``: a round is ``(tenant_id, provider_id, round_id)``, a bet
``(tenant_id, provider_id, bet_id)``.

Records (``schemas.settlement.BetSettlement``): ``settlement_id`` is
``{tenant}:{provider}:{bet_id}:{version}``; ``version`` counts the records of the bet (1, 2,
...); ``previous_state``/``previous_outcome``/``previous_payout`` are those of the version before
(None, None, 0 for version 1). A version is emitted only when something in it other than the
version and the ``previous_*`` fields differs from the bet's last record. ``settled_at_ms`` is the
event time of the input that determined the version (for a bet settled on arrival, the stored
result's or cancel's time, never the bet's: so it does not depend on whether the bet or its
result arrived first). All amounts are exact integer minor units as received; nothing is
computed from odds here, so there is no rounding at all: payouts are the providers' figures.

Outcome labels of a payout ``p`` for a stake ``s`` (wallet wins and ``roundResult`` payouts):
``p == 0`` LOSE, ``p > s`` WIN, ``p == s`` PUSH (stake returned), ``0 < p < s`` HALF_LOSE (part of
the stake returned: a cash-back or a partial loss, the contract's nearest label). The checks run
in that order, so a free bet (stake 0) that pays nothing is a LOSE.

Live bridge rounds (events of category ``live``)
-------------------------------------------------

- A bet of a round is a ``BetPlaced`` with a ``round_id`` and a positive stake. A ``bet_id``
  already seen is a duplicate and ignored, even after that bet was rejected (as in the round
  book). ``BetDecided`` REJECTED drops the bet: from then on it is treated exactly like a bet we
  never saw (its stake was never taken). If it already had a record, a new version says so:
  either the round's result still names it (then it is an unknown bet, below), or the version is
  VOID with stake 0, payout 0 and reason ``REJECTED:<reason or unknown>``. A decision on an
  unknown or already rejected bet, and ACCEPTED, change nothing.
- ``RoundChanged`` BETTING_CLOSED records the round's close time (its event time; the first one
  counts). ABORTED, when the round has no result yet, voids it: every bet of the round, placed
  before or after, is VOID with payout = stake and reason ``ABORTED:<reason or unknown>``, at the
  abort's time. The abort is final: a later result is ignored, and an abort after a result is
  ignored (the result stands), as in the round book.
- ``RoundSettled`` (the bridge's ``round.settle``): each listed bet gets the listed outcome and
  payout (the provider computed them) with our stake; a listed bet we never saw (or rejected) is
  still recorded, with the message's stake and currency, and flagged UNKNOWN_BET. A placed bet
  the settle does not list is not settled by it (the provider settles what it accepted; its
  decision tells the rest). One settle covers the whole round: a later, different settle replaces
  it (a correction).
- ``RoundResult`` (the generic feed's ``roundResult``) with payouts per ``bet_id``: a placed bet
  is paid the sum of its payouts (absent: 0) and labelled as above; a payout naming a bet we never
  saw (or rejected) is recorded with stake 0 and the payout's currency and player, flagged
  UNKNOWN_BET. Payouts without a ``bet_id`` name no bet and are ignored.
- LATE: a result whose event time is later than the round's close time + ``late_after_ms`` is
  flagged LATE (no close time known when the result is applied: not late).
- Corrections: a result whose figures equal those of an earlier result of the round (a
  redelivery) changes nothing. A different one becomes the round's result: every bet whose figures
  (stake, outcome, payout) change gets a new version. A version is flagged CORRECTED when its
  figures differ from those the round's first result gave the bet. The input that determined a
  bet's version is the first result of the last run of results that gave it these figures: its
  time is ``settled_at_ms`` and its LATE flag the version's. A correction that no longer names a
  bet it named before reopens it: state OPEN, payout 0, reason ``NOT_IN_RESULT`` (a rejected bet:
  the REJECTED version above).
- Bets and rounds are different topics: a bet arriving after its round's result (or abort) is
  settled on arrival from the stored result, with the same record it would have had if it had
  arrived first. The final record of every bet therefore does not depend on how the two streams
  interleave (only on the order within each), with one exception that pays and settles nothing:
  the REJECTED and NOT_IN_RESULT versions exist only if the bet had a record before.
- A bet belongs to one round: a result of another round naming the same ``bet_id`` records it
  as an unknown bet of that round, with its own versions (not expected from any provider).

Seamless-wallet callbacks (``WalletTransaction`` of ``hub88``, ``evolution``, ``pragmatic``)
---------------------------------------------------------------------------------------------

Pairing key (the settled bet's ``bet_id``): Hub88 a bet's ``transaction_uuid`` (its
``transaction_id``; a win and a rollback name it as ``reference_id``); Evolution ``refId`` (the
``reference_id`` of debit, credit and cancel); Pragmatic a bet's ``reference`` (a refund names it
as ``reference_id``; a result names only the round, below). ``round_id`` is the callback's round,
or the pairing key when it has none; ``category`` the adapter's (Hub88 and Pragmatic ``slot``,
Evolution ``live``).

- BET (debit) opens the bet: stake = amount. Open bets emit nothing. A second BET with the same
  key is a duplicate (Evolution: BET_ALREADY_EXIST) and ignored.
- WIN (credit) settles it: payout = the sum of its distinct wins (by ``transaction_id``; a
  resent win changes nothing), labelled as above. Evolution pairs one credit with one debit: a
  second credit with another id is refused (BET_ALREADY_SETTLED) and ignored. Hub88 and Pragmatic
  wins add up.
- ROLLBACK (Hub88), cancel (Evolution), REFUND (Pragmatic) voids the bet: VOID, payout = stake
  (the stake is refunded; a void bet is paid nothing else), reason ``ROLLBACK``/``CANCEL``/
  ``REFUND``. Hub88 and Pragmatic void a bet even after a win (a rollback reverses the debit, so
  its win cannot stand either: nothing is paid twice). Evolution refuses a cancel of a bet already
  credited (BET_ALREADY_SETTLED): the credit stands and nothing changes. A Hub88 rollback naming a
  win reverses that win: the bet is paid its other wins, or is OPEN again (payout 0, reason
  ``ROLLBACK_WIN``) when none is left.
- Pragmatic: a result names the round, not the bet. It pays the round's first bet (in arrival
  order) that is not refunded, so a round's payouts sum correctly even when it holds several bets
  (their split between the bets is then the provider's sum on the first bet). ``endRound`` closes
  the round: every bet of it still without a result is settled LOSE with payout 0 at the
  endRound's time, and so is a bet of the round arriving later. Bonus, jackpot and promo wins and
  adjustments are not bet settlements and are ignored here.

Edge cases, each flagged, following the provider's API where its documented behaviour was found
(sources below) and otherwise the safe choice (never pay twice, never lose a stake):

- A win for a bet we never saw (UNKNOWN_BET): Hub88 answers RS_ERROR_TRANSACTION_DOES_NOT_EXIST
  and Evolution BET_DOES_NOT_EXIST: nothing is paid. The win is recorded (state OPEN, stake 0,
  payout 0, reason ``WIN_WITHOUT_BET``, keyed by the bet it names; a Pragmatic result by its own
  reference) and remembered: if the bet then arrives (out of order), it is settled on arrival
  with it, flagged UNKNOWN_BET, and a retry of the same win changes nothing. Paid once either way.
- A rollback / cancel / refund of a bet we never saw (UNKNOWN_REFERENCE): all three providers
  move no money then (Hub88 and Pragmatic answer success, Evolution BET_DOES_NOT_EXIST). It is
  recorded (VOID, stake 0, payout 0) and remembered: the provider treats that bet as cancelled and
  will never pay it, so a late BET with that key is voided on arrival (payout = stake: the stake
  is not lost). A Hub88 win whose own id was rolled back before it arrived is never paid.
- A credit after a cancel (AFTER_CANCEL): Hub88 answers RS_ERROR_TRANSACTION_ROLLED_BACK,
  Evolution BET_ALREADY_SETTLED; Pragmatic does not say (the safe choice: the refund returned the
  stake, so the result is not paid too). The cancel stands for all three: the bet stays VOID with
  payout = stake, and a new version adds the flag.

Sources (providers' public documentation, paraphrased; consulted for this module):

- Hub88 Operator API, "Seamless Wallet response statuses - Operator API"
  (https://docs.hub88.io/developer-docs/operator-api-reference/operator-api-overview/seamless-wallet-response-statuses-operator-api)
  and "Wallet API" (https://docs.hub88.io/developer-docs/operator-api-reference/wallet-api):
  RS_ERROR_TRANSACTION_DOES_NOT_EXIST when the bet a win references is not found,
  RS_ERROR_TRANSACTION_ROLLED_BACK for a transaction on a rolled-back bet,
  RS_ERROR_DUPLICATE_TRANSACTION for a reused ``transaction_uuid``. What to answer to a rollback
  of an unknown transaction is not in the text found; the Caleta integration suite of the
  open-source valkyrie-fnd/valkyrie gateway (Caleta uses the same RS_* wallet protocol) expects
  success with no balance change, and RS_ERROR_TRANSACTION_ROLLED_BACK for a win after a rollback.
- Evolution One Wallet API (``/debit``, ``/credit``, ``/cancel`` paired by ``refId``): Evolution's
  own document was not reachable; its status codes as implemented by public operator integrations
  are BET_DOES_NOT_EXIST (credit or cancel without its debit), BET_ALREADY_SETTLED (credit or
  cancel of a bet already credited or cancelled), BET_ALREADY_EXIST (repeated debit). The rules
  above follow those; where they are silent the safe choice is made.
- Pragmatic Play Seamless Wallet API (method descriptions as republished by public integrations;
  the official document was not reachable): ``refund`` reverses a bet transaction and returns the
  money to the player, is idempotent, and when the bet is not found nothing happens on the
  operator side (success); ``result`` sends the winning result of the round's bet; ``endRound``
  is called when a round is over so the operator can finalize it. Refund after a result and a
  result after a refund are not described: refund voids (payout = stake) and a later result is
  not paid (AFTER_CANCEL), the safe choice.

Memory: finished rounds (with their bets' records), wallet keys with a record and closed
Pragmatic rounds are remembered, oldest forgotten first beyond ``max_finished`` (one budget for
all), like the round book's finished rounds. A forgotten round or wallet bet starts over if a
very late input names it (its versions restart at 1): ``max_finished`` must cover the horizon of
corrections and late callbacks. Open rounds and open wallet bets are kept until they finish.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple, get_args

from wagerflow.schemas.events import (
    BetDecided,
    BetOutcome,
    BetPlaced,
    Category,
    NormalizedEvent,
    RoundChanged,
    RoundResult,
    RoundSettled,
    SettledBet,
    WalletTransaction,
)
from wagerflow.schemas.settlement import BetSettlement, SettlementFlag, SettlementState

WALLET_PROVIDERS = frozenset({"hub88", "evolution", "pragmatic"})
CANCEL_REASONS = {"hub88": "ROLLBACK", "evolution": "CANCEL", "pragmatic": "REFUND"}
"""The ``reason`` of a wallet bet voided by its provider's rollback, cancel or refund."""
_FLAG_ORDER = {flag: i for i, flag in enumerate(get_args(SettlementFlag))}

Key = tuple[str, str, str]
"""(tenant_id, provider_id, id): a round, a bet, or a wallet pairing key."""
Figures = tuple[int, BetOutcome, int, str, str | None]
"""A bet's settlement under one result: (stake, outcome, payout, currency, player_id)."""


@dataclass(frozen=True, slots=True)
class CasinoSettleConfig:
    late_after_ms: int = 60_000
    """A result later than the round's close + this is flagged LATE."""
    max_finished: int = 1_000_000
    """Finished rounds and settled wallet bets remembered (oldest forgotten first)."""

    def __post_init__(self) -> None:
        if self.late_after_ms < 0:
            msg = f"late_after_ms must not be negative; got {self.late_after_ms}"
            raise ValueError(msg)
        if self.max_finished <= 0:
            msg = f"max_finished must be positive; got {self.max_finished}"
            raise ValueError(msg)


def payout_outcome(stake: int, payout: int) -> BetOutcome:
    """The label of a payout for a stake (rules in the module docstring)."""
    if payout == 0:
        return "LOSE"
    if payout > stake:
        return "WIN"
    if payout == stake:
        return "PUSH"
    return "HALF_LOSE"


class _Content(NamedTuple):
    """A record without its version and ``previous_*`` fields: what decides a new version."""

    round_id: str
    category: Category
    currency: str
    player_id: str | None
    stake: int
    state: SettlementState
    outcome: BetOutcome | None
    payout: int
    settled_at_ms: int
    reason: str | None
    flags: tuple[SettlementFlag, ...]


def _flags(*flags: SettlementFlag | None) -> tuple[SettlementFlag, ...]:
    return tuple(sorted({f for f in flags if f is not None}, key=_FLAG_ORDER.__getitem__))


def _record(key: Key, content: _Content, last: BetSettlement | None) -> BetSettlement:
    tenant, provider, bet_id = key
    version = 1 if last is None else last.version + 1
    return BetSettlement(
        tenant_id=tenant,
        provider_id=provider,
        category=content.category,
        settlement_id=f"{tenant}:{provider}:{bet_id}:{version}",
        bet_id=bet_id,
        round_id=content.round_id,
        player_id=content.player_id,
        currency=content.currency,
        stake=content.stake,
        state=content.state,
        outcome=content.outcome,
        payout=content.payout,
        version=version,
        settled_at_ms=content.settled_at_ms,
        reason=content.reason,
        flags=list(content.flags),
        previous_state=None if last is None else last.state,
        previous_outcome=None if last is None else last.outcome,
        previous_payout=0 if last is None else last.payout,
    )


class _Emitted(NamedTuple):
    content: _Content
    record: BetSettlement


# --- live rounds -------------------------------------------------------------------------------


class _LiveBet:
    __slots__ = ("stake", "currency", "player_id", "category", "rejected")

    def __init__(self, event: BetPlaced) -> None:
        self.stake = event.stake
        self.currency = event.currency
        self.player_id = event.player_id
        self.category: Category = event.category
        self.rejected: tuple[int, str] | None = None
        """(event time, reason) of the rejection."""


class _Result:
    """One distinct result of a round: ``settled`` (round.settle) or ``payouts`` (roundResult)."""

    __slots__ = ("ms", "late", "currency", "settled", "payouts")

    def __init__(self, ms: int, late: bool, currency: str) -> None:
        self.ms = ms
        self.late = late
        self.currency = currency
        self.settled: dict[str, SettledBet] | None = None
        self.payouts: dict[str, tuple[int, str, str | None]] | None = None
        """bet_id -> (summed amount, currency, player_id) of its payouts."""

    def names(self) -> set[str]:
        return set(self.settled if self.settled is not None else self.payouts or {})

    def figures(self, bet_id: str, bet: _LiveBet | None) -> Figures | None:
        """What this result gives the bet; ``bet`` None for a bet we do not hold (never seen or
        rejected). None when the result does not settle the bet."""
        if self.settled is not None:
            listed = self.settled.get(bet_id)
            if listed is None:
                return None
            if bet is not None:
                return (bet.stake, listed.outcome, listed.payout, bet.currency, bet.player_id)
            return (listed.stake, listed.outcome, listed.payout, self.currency, None)
        entry = (self.payouts or {}).get(bet_id)
        if bet is not None:
            paid = 0 if entry is None else entry[0]
            outcome = payout_outcome(bet.stake, paid)
            return (bet.stake, outcome, paid, bet.currency, bet.player_id)
        if entry is None:
            return None
        return (0, payout_outcome(0, entry[0]), entry[0], entry[1], entry[2])


class _Round:
    __slots__ = ("category", "close_ms", "abort", "results", "result_keys", "bets", "emitted")

    def __init__(self, category: Category) -> None:
        self.category: Category = category
        self.close_ms: int | None = None
        self.abort: tuple[int, str] | None = None
        """(event time, reason) of the abort."""
        self.results: list[_Result] = []
        self.result_keys: set[tuple[object, ...]] = set()
        self.bets: dict[str, _LiveBet] = {}
        self.emitted: dict[str, _Emitted] = {}

    @property
    def finished(self) -> bool:
        return self.abort is not None or bool(self.results)


def _result_key(event: RoundResult | RoundSettled) -> tuple[object, ...]:
    if isinstance(event, RoundSettled):
        bets = sorted((b.bet_id, b.stake, b.payout, b.outcome) for b in event.bets)
        return ("settle", event.currency, tuple(bets))
    return ("payouts", tuple(sorted(_payouts(event).items())))


def _payouts(event: RoundResult) -> dict[str, tuple[int, str, str | None]]:
    out: dict[str, tuple[int, str, str | None]] = {}
    for p in event.payouts:
        if p.bet_id is None:
            continue
        before = out.get(p.bet_id)
        if before is None:
            out[p.bet_id] = (p.amount, p.currency, p.player_id)
        else:
            out[p.bet_id] = (before[0] + p.amount, before[1], before[2])
    return out


# --- wallet bets -------------------------------------------------------------------------------


class _WalletBet:
    """One pairing key: a placed bet, or callbacks that named a key we have no bet for."""

    __slots__ = (
        "provider",
        "placed",
        "stake",
        "currency",
        "player_id",
        "round_id",
        "category",
        "wins",
        "win_ids",
        "cancel",
        "closed_ms",
        "ms",
        "unknown_bet",
        "unknown_reference",
        "after_cancel",
        "emitted",
    )

    def __init__(self, event: WalletTransaction) -> None:
        self.provider = event.provider_id
        self.placed = False
        self.stake = 0
        self.currency = event.currency
        self.player_id = event.player_id
        self.round_id = event.round_id
        self.category: Category = event.category
        self.wins: dict[str, tuple[int, int]] = {}
        """Applied wins: transaction id -> (amount, event time)."""
        self.win_ids: set[str] = set()
        """Every win transaction id that named this key (applied, refused or reversed)."""
        self.cancel: int | None = None
        """Event time of the rollback / cancel / refund."""
        self.closed_ms: int | None = None
        """Pragmatic: the endRound of its round."""
        self.ms = event.event_time_ms
        """Event time of the last input that changed the wins."""
        self.unknown_bet = False
        self.unknown_reference = False
        self.after_cancel = False
        self.emitted: _Emitted | None = None

    def place(self, event: WalletTransaction) -> None:
        self.placed = True
        self.stake = event.amount
        self.currency = event.currency
        self.player_id = event.player_id
        self.round_id = event.round_id
        self.category = event.category


class _PragmaticRound:
    __slots__ = ("bets", "results", "orphans", "closed_ms")

    def __init__(self) -> None:
        self.bets: list[str] = []
        """Pairing keys of the round's bets, in arrival order."""
        self.results: set[str] = set()
        """References of every result seen for the round."""
        self.orphans: list[str] = []
        """Keys (result references) of results that arrived before any bet of the round."""
        self.closed_ms: int | None = None


FinishedKey = tuple[Literal["round", "wallet", "pragmatic"], str, str, str]


class CasinoSettlement:
    """Live-casino round and seamless-wallet settlement (rules in the module docstring). Plain
    picklable state: the flow snapshots it with the shard it belongs to."""

    def __init__(self, config: CasinoSettleConfig | None = None) -> None:
        self.config = config or CasinoSettleConfig()
        self._rounds: dict[Key, _Round] = {}
        self._live_bets: dict[Key, Key] = {}
        """Placed live bet -> its round (``BetDecided`` carries no round)."""
        self._wallet: dict[Key, _WalletBet] = {}
        self._win_owner: dict[Key, Key] = {}
        """Wallet win transaction -> the pairing key it named."""
        self._pragmatic: dict[Key, _PragmaticRound] = {}
        self._finished: dict[FinishedKey, None] = {}  # oldest first

    def apply(self, event: NormalizedEvent) -> list[BetSettlement]:
        """The new versions of the bets ``event`` changed (bet id order within a round)."""
        if isinstance(event, WalletTransaction):
            return self._wallet_event(event) if event.provider_id in WALLET_PROVIDERS else []
        if event.category != "live":
            return []
        if isinstance(event, BetPlaced):
            return self._place(event)
        if isinstance(event, BetDecided):
            return self._decide(event)
        if isinstance(event, RoundChanged | RoundResult | RoundSettled):
            return self._round_event(event)
        return []

    def remembered(self) -> dict[str, int]:
        """How much is held: rounds (open and finished), placed live bets, wallet pairing keys
        and Pragmatic rounds."""
        return {
            "rounds": len(self._rounds),
            "live_bets": len(self._live_bets),
            "wallet": len(self._wallet),
            "pragmatic": len(self._pragmatic),
        }

    # --- memory ---------------------------------------------------------------------------

    def _finish(self, key: FinishedKey) -> None:
        if key in self._finished:
            return
        self._finished[key] = None
        while len(self._finished) > self.config.max_finished:
            kind, tenant, provider, ident = next(iter(self._finished))
            del self._finished[kind, tenant, provider, ident]
            if kind == "round":
                rnd = self._rounds.pop((tenant, provider, ident), None)
                for bet_id in rnd.bets if rnd is not None else ():
                    self._live_bets.pop((tenant, provider, bet_id), None)
            elif kind == "wallet":
                bet = self._wallet.pop((tenant, provider, ident), None)
                for win_id in bet.win_ids if bet is not None else ():
                    self._win_owner.pop((tenant, provider, win_id), None)
            else:
                self._pragmatic.pop((tenant, provider, ident), None)

    # --- live ------------------------------------------------------------------------------

    def _round(self, key: Key, category: Category) -> _Round:
        rnd = self._rounds.get(key)
        if rnd is None:
            rnd = self._rounds[key] = _Round(category)
        return rnd

    def _place(self, event: BetPlaced) -> list[BetSettlement]:
        if event.round_id is None or event.stake <= 0:
            return []
        bet_key = (event.tenant_id, event.provider_id, event.bet_id)
        if bet_key in self._live_bets:
            return []
        round_key = (event.tenant_id, event.provider_id, event.round_id)
        rnd = self._round(round_key, event.category)
        rnd.bets[event.bet_id] = _LiveBet(event)
        self._live_bets[bet_key] = round_key
        return self._emit_live(round_key, rnd, [event.bet_id])

    def _decide(self, event: BetDecided) -> list[BetSettlement]:
        round_key = self._live_bets.get((event.tenant_id, event.provider_id, event.bet_id))
        if round_key is None or event.decision != "REJECTED":
            return []
        rnd = self._rounds[round_key]
        bet = rnd.bets[event.bet_id]
        if bet.rejected is not None:
            return []
        bet.rejected = (event.event_time_ms, event.reason or "unknown")
        return self._emit_live(round_key, rnd, [event.bet_id])

    def _round_event(self, event: RoundChanged | RoundResult | RoundSettled) -> list[BetSettlement]:
        key = (event.tenant_id, event.provider_id, event.round_id)
        if isinstance(event, RoundChanged) and event.change not in ("BETTING_CLOSED", "ABORTED"):
            return []  # STARTED, BETTING_OPEN: nothing to settle (and no round to open)
        rnd = self._round(key, event.category)
        if isinstance(event, RoundChanged):
            if event.change == "BETTING_CLOSED" and rnd.close_ms is None:
                rnd.close_ms = event.event_time_ms
                return []
            if event.change != "ABORTED" or rnd.finished:
                return []
            rnd.abort = (event.event_time_ms, event.reason or "unknown")
        else:
            result_key = _result_key(event)
            if rnd.abort is not None or result_key in rnd.result_keys:
                return []
            close = rnd.close_ms
            late = close is not None and event.event_time_ms > close + self.config.late_after_ms
            if isinstance(event, RoundSettled):
                result = _Result(event.event_time_ms, late, event.currency)
                result.settled = {b.bet_id: b for b in event.bets}
            else:
                result = _Result(event.event_time_ms, late, "")
                result.payouts = _payouts(event)
            rnd.results.append(result)
            rnd.result_keys.add(result_key)
        bet_ids = set(rnd.bets) | set(rnd.emitted)
        for result in rnd.results:
            bet_ids |= result.names()
        out = self._emit_live(key, rnd, sorted(bet_ids))
        self._finish(("round", *key))
        return out

    def _emit_live(self, round_key: Key, rnd: _Round, bet_ids: list[str]) -> list[BetSettlement]:
        out = []
        for bet_id in bet_ids:
            last = rnd.emitted.get(bet_id)
            content = self._live_content(round_key[2], rnd, bet_id, last is not None)
            if content is None or (last is not None and content == last.content):
                continue
            record = _record((round_key[0], round_key[1], bet_id), content, last and last.record)
            rnd.emitted[bet_id] = _Emitted(content, record)
            out.append(record)
        return out

    def _live_content(
        self, round_id: str, rnd: _Round, bet_id: str, emitted: bool
    ) -> _Content | None:
        """A live bet's record, from scratch: a function of the bet (placed, rejected) and of
        the round's abort and results only. None: nothing to say (and nothing said yet)."""
        bet = rnd.bets.get(bet_id)
        held = bet if bet is not None and bet.rejected is None else None
        category = bet.category if bet is not None else rnd.category

        def content(
            fig: Figures,
            state: SettlementState,
            settled_at_ms: int,
            reason: str | None = None,
            flags: tuple[SettlementFlag, ...] = (),
        ) -> _Content:
            stake, outcome, payout, currency, player = fig
            return _Content(
                round_id=round_id,
                category=category,
                currency=currency,
                player_id=player,
                stake=stake,
                state=state,
                outcome=None if state == "OPEN" else outcome,
                payout=payout,
                settled_at_ms=settled_at_ms,
                reason=reason,
                flags=flags,
            )

        def dropped() -> _Content | None:
            if not emitted or bet is None or bet.rejected is None:
                return None
            ms, reason = bet.rejected
            fig: Figures = (0, "VOID", 0, bet.currency, bet.player_id)
            return content(fig, "SETTLED", ms, f"REJECTED:{reason}")

        if rnd.abort is not None:
            if held is None:
                return dropped()
            ms, reason = rnd.abort
            fig: Figures = (held.stake, "VOID", held.stake, held.currency, held.player_id)
            return content(fig, "SETTLED", ms, f"ABORTED:{reason}")
        if not rnd.results:
            return dropped()
        figures = [r.figures(bet_id, held) for r in rnd.results]
        final = figures[-1]
        first = len(figures) - 1
        while first > 0 and figures[first - 1] == final:
            first -= 1
        determining = rnd.results[first]
        unknown: SettlementFlag | None = "UNKNOWN_BET" if held is None else None
        corrected: SettlementFlag | None = "CORRECTED" if final != figures[0] else None
        if final is None:
            if bet is not None and bet.rejected is not None:
                return dropped()
            if not emitted:
                return None
            if held is not None:
                fig_open: Figures = (held.stake, "LOSE", 0, held.currency, held.player_id)
            else:  # keep the currency and player it was recorded with
                last = rnd.emitted[bet_id].content
                fig_open = (0, "LOSE", 0, last.currency, last.player_id)
            flags = _flags(corrected, unknown)
            return content(fig_open, "OPEN", determining.ms, "NOT_IN_RESULT", flags)
        late: SettlementFlag | None = "LATE" if determining.late else None
        return content(final, "SETTLED", determining.ms, None, _flags(late, corrected, unknown))

    # --- wallet ----------------------------------------------------------------------------

    def _wallet_event(self, event: WalletTransaction) -> list[BetSettlement]:
        provider, kind = event.provider_id, event.kind
        if kind == "BET":
            key = event.reference_id if provider == "evolution" else event.transaction_id
            return self._wallet_bet(event, key)
        if kind == "WIN":
            if provider == "pragmatic":
                return self._pragmatic_result(event)
            return self._wallet_win(event, event.reference_id)
        if kind in ("ROLLBACK", "REFUND"):
            return self._wallet_cancel(event, event.reference_id)
        if kind == "END_ROUND" and provider == "pragmatic":
            return self._pragmatic_end_round(event)
        return []

    def _key(self, event: WalletTransaction, ident: str) -> Key:
        return (event.tenant_id, event.provider_id, ident)

    def _wallet_obj(self, event: WalletTransaction, ident: str) -> _WalletBet:
        key = self._key(event, ident)
        bet = self._wallet.get(key)
        if bet is None:
            bet = self._wallet[key] = _WalletBet(event)
        return bet

    def _wallet_bet(self, event: WalletTransaction, ident: str | None) -> list[BetSettlement]:
        if ident is None:
            return []
        bet = self._wallet_obj(event, ident)
        if bet.placed:
            return []  # a resent bet, or Evolution's BET_ALREADY_EXIST
        bet.place(event)
        if event.provider_id == "pragmatic" and event.round_id is not None:
            rnd = self._pragmatic_round(event, event.round_id)
            rnd.bets.append(ident)
            bet.closed_ms = rnd.closed_ms
            if bet.cancel is None and rnd.orphans:
                # results that came before any bet of the round are this bet's: settled on
                # arrival, as of the last of them
                for orphan_id in rnd.orphans:
                    orphan = self._wallet.get(self._key(event, orphan_id))
                    if orphan is None:
                        continue
                    for win_id in orphan.wins:
                        self._win_owner[self._key(event, win_id)] = self._key(event, ident)
                    bet.wins.update(orphan.wins)
                    bet.win_ids |= set(orphan.wins)
                    orphan.win_ids -= set(orphan.wins)
                    orphan.wins.clear()
                    bet.unknown_bet = True
                if bet.wins:
                    bet.ms = max(ms for _, ms in bet.wins.values())
                rnd.orphans.clear()
        return self._emit_wallet(event, ident, bet)

    def _wallet_win(self, event: WalletTransaction, ident: str | None) -> list[BetSettlement]:
        if ident is None:
            return []
        win_key = self._key(event, event.transaction_id)
        if win_key in self._win_owner:
            return []  # a resent win
        reversed_early = self._wallet.get(win_key)
        if reversed_early is not None and reversed_early.unknown_reference:
            # Hub88: this win was rolled back before it arrived; it is never paid
            self._win_owner[win_key] = win_key
            reversed_early.win_ids.add(event.transaction_id)
            return []
        bet = self._wallet_obj(event, ident)
        self._win_owner[win_key] = self._key(event, ident)
        bet.win_ids.add(event.transaction_id)
        if bet.cancel is not None:
            bet.after_cancel = True  # the cancel stands
        elif event.provider_id == "evolution" and bet.wins:
            return []  # BET_ALREADY_SETTLED: one credit per debit
        else:
            bet.wins[event.transaction_id] = (event.amount, event.event_time_ms)
            bet.ms = event.event_time_ms
            if not bet.placed:
                bet.unknown_bet = True
        return self._emit_wallet(event, ident, bet)

    def _wallet_cancel(self, event: WalletTransaction, ident: str | None) -> list[BetSettlement]:
        if ident is None:
            return []
        target = self._key(event, ident)
        owner_key = self._win_owner.get(target)
        if event.provider_id == "hub88" and owner_key is not None and owner_key != target:
            owner = self._wallet.get(owner_key)
            if owner is None or ident not in owner.wins:
                return []  # already reversed (or refused: nothing to reverse)
            del owner.wins[ident]
            owner.ms = event.event_time_ms
            return self._emit_wallet(event, owner_key[2], owner)
        bet = self._wallet_obj(event, ident)
        if bet.cancel is not None:
            return []
        if bet.placed and event.provider_id == "evolution" and bet.wins:
            return []  # BET_ALREADY_SETTLED: the credit stands
        bet.cancel = event.event_time_ms
        if not bet.placed:
            bet.unknown_reference = True
            if bet.round_id is None:
                bet.round_id = event.round_id
        return self._emit_wallet(event, ident, bet)

    def _pragmatic_round(self, event: WalletTransaction, round_id: str) -> _PragmaticRound:
        key = self._key(event, round_id)
        rnd = self._pragmatic.get(key)
        if rnd is None:
            rnd = self._pragmatic[key] = _PragmaticRound()
        return rnd

    def _pragmatic_result(self, event: WalletTransaction) -> list[BetSettlement]:
        if event.round_id is None:
            return []
        rnd = self._pragmatic_round(event, event.round_id)
        if event.transaction_id in rnd.results:
            return []
        rnd.results.add(event.transaction_id)
        bets = [k for k in rnd.bets if self._key(event, k) in self._wallet]
        open_bets = [k for k in bets if self._wallet[self._key(event, k)].cancel is None]
        if open_bets:
            target = open_bets[0]
        elif bets:
            target = bets[0]  # every bet refunded: the refund stands (AFTER_CANCEL)
        else:
            target = event.transaction_id  # no bet yet: held under its own reference
            rnd.orphans.append(target)
        return self._wallet_win(event, target)

    def _pragmatic_end_round(self, event: WalletTransaction) -> list[BetSettlement]:
        if event.round_id is None:
            return []
        rnd = self._pragmatic_round(event, event.round_id)
        if rnd.closed_ms is not None:
            return []
        rnd.closed_ms = event.event_time_ms
        out = []
        for ident in rnd.bets:
            bet = self._wallet.get(self._key(event, ident))
            if bet is not None and bet.closed_ms is None:
                bet.closed_ms = event.event_time_ms
                out += self._emit_wallet(event, ident, bet)
        self._finish(("pragmatic", *self._key(event, event.round_id)))
        return out

    def _emit_wallet(
        self, event: WalletTransaction, ident: str, bet: _WalletBet
    ) -> list[BetSettlement]:
        key = self._key(event, ident)
        content = _wallet_content(ident, bet)
        last = bet.emitted
        if content is None or (last is not None and content == last.content):
            return []
        record = _record(key, content, last and last.record)
        bet.emitted = _Emitted(content, record)
        self._finish(("wallet", *key))
        return [record]


def _wallet_content(ident: str, bet: _WalletBet) -> _Content | None:
    """A wallet bet's record, from its state (rules in the module docstring)."""
    state: SettlementState = "SETTLED"
    outcome: BetOutcome | None
    reason: str | None = None
    if bet.cancel is not None:
        stake = bet.stake if bet.placed else 0
        outcome, payout, at, reason = "VOID", stake, bet.cancel, CANCEL_REASONS[bet.provider]
    elif not bet.placed:
        if not bet.unknown_bet:
            return None
        stake, state, outcome, payout, at, reason = 0, "OPEN", None, 0, bet.ms, "WIN_WITHOUT_BET"
    elif bet.wins:
        stake, payout, at = bet.stake, sum(amount for amount, _ in bet.wins.values()), bet.ms
        outcome = payout_outcome(stake, payout)
    elif bet.closed_ms is not None:
        stake, outcome, payout, at = bet.stake, "LOSE", 0, bet.closed_ms
    elif bet.emitted is None:
        return None
    else:
        stake, state, outcome, payout, at, reason = (
            bet.stake,
            "OPEN",
            None,
            0,
            bet.ms,
            "ROLLBACK_WIN",
        )
    return _Content(
        round_id=bet.round_id or ident,
        category=bet.category,
        currency=bet.currency,
        player_id=bet.player_id,
        stake=stake,
        state=state,
        outcome=outcome,
        payout=payout,
        settled_at_ms=at,
        reason=reason,
        flags=_flags(
            "UNKNOWN_BET" if bet.unknown_bet else None,
            "UNKNOWN_REFERENCE" if bet.unknown_reference else None,
            "AFTER_CANCEL" if bet.after_cancel else None,
        ),
    )
