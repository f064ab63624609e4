"""What settlement publishes: one record per bet version, a summary per round, and the
``settlements`` topic message.

Derived records, not provider events. Money is integer minor units of ``currency``.

- ``BetSettlement``: the state of one bet after a settlement input changed it. ``version``
  counts the records of that bet (1, 2, ...), so a store keeps the highest and a replay (the
  same version again) changes nothing. ``state`` OPEN is a bet reopened by a rollback: outcome
  None, payout 0. ``settlement_id`` is ``{tenant}:{provider}:{bet_id}:{version}``.
- ``RoundSummary``: per round (a live round, or a sports market line ``event_id/line_id``):
  the totals over its settled bets; its ``version`` is the newest settlement time of its bets
  (``wagerflow.settle.publish`` says why), a tie won by the later write.
- ``Settlement``: the ``settlements`` topic, in the live bridge's ``round.settle`` shape. One
  message per settlement input and round, listing the bet versions it produced, and the
  wallet ``transactions`` those imply: a CREDIT of the payout (or of its increase), a DEBIT of
  a decrease (a correction or a rollback). Per bet, the transactions sum to its current payout.
  Transaction ids are ``{bet_id}:{version}``, so a consumer can apply them idempotently.
"""

from typing import Literal

import msgspec

from wagerflow.schemas.events import BetOutcome, Category

SettlementState = Literal["SETTLED", "OPEN"]

SettlementFlag = Literal[
    "ODDS_MISMATCH",
    "LATE",
    "CORRECTED",
    "UNKNOWN_BET",
    "UNKNOWN_REFERENCE",
    "AFTER_CANCEL",
    "PROVIDER_SETTLED",
    "LEG_ODDS_UNKNOWN",
    "PAYOUT_MISMATCH",
    "DEAD_HEAT_UNRESOLVED",
    "CREDIT_REFUSED",
    "REVIEW",
]
"""Why a settlement needs a second look:

- ``ODDS_MISMATCH``: accepted above the market's odds at acceptance beyond the tolerance
  (still settled at the accepted odds);
- ``LATE``: the result came later than the round's close plus the configured threshold;
- ``CORRECTED``: a settled version replacing a settled one with another outcome or payout (a
  UOF certainty-2 result, a cancel after a settlement, a second provider settlement);
- ``UNKNOWN_BET``: a win or result for a bet we never saw;
- ``UNKNOWN_REFERENCE``: a rollback / cancel / refund naming a transaction we never saw;
- ``AFTER_CANCEL``: a credit for a bet that was already cancelled;
- ``PROVIDER_SETTLED``: the provider sent the payout (``BetSettled``), we did not compute it;
- ``LEG_ODDS_UNKNOWN``: a multiple with a void or partial leg whose own accepted odds are not
  known (see the sports settlement rules for how it is paid);
- ``PAYOUT_MISMATCH``: the provider's ``potentialPayout`` is more than one minor unit from the
  bet's return ``R = floor(S x O)``; ``R`` is what is booked and paid (MONEY.md §1.1);
- ``DEAD_HEAT_UNRESOLVED``: a Betfair place market closed with more WINNER runners than places:
  the stream cannot say who tied, so the bet was paid in full (MONEY.md §2.3);
- ``CREDIT_REFUSED``: a credit the provider's protocol refuses (Evolution's second credit of a
  debit, BET_ALREADY_SETTLED) arrived: not paid, but recorded for review;
- ``REVIEW``: the bet could not be settled exactly from what the provider sent (a Pragmatic
  result that names no bet of a round holding several): not paid, a person decides.
"""

Ledger = Literal["CASH", "FREE_BET", "JACKPOT", "BONUS_COST"]
"""Which line of the casino books a record's money goes to (MONEY.md §4.1):

- ``CASH``: a real-money bet: its stake is cash turnover, its payout wins;
- ``FREE_BET``: a free bet / free round (Hub88 ``is_free``, Pragmatic ``bonusCode``, Evolution
  promo rounds): its stake is bonus turnover, its payout wins;
- ``JACKPOT``: a jackpot win with no stake of its own (Pragmatic ``jackpotWin``): payout is wins;
- ``BONUS_COST``: a credit that is not a game win (Pragmatic ``promoWin`` / ``bonusWin``,
  Evolution ``promo_payout``, an ``adjustment``): payout is bonus cost, signed (a debit
  adjustment is negative), stake 0.
"""


class _Record(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    schema_version: int = 1
    tenant_id: str
    provider_id: str
    category: Category


class BetSettlement(_Record, tag="settlement.bet", frozen=True, kw_only=True):
    settlement_id: str
    bet_id: str
    round_id: str
    """The live round, or the sports line ``event_id/line_id`` (first leg for a multiple)."""
    player_id: str | None
    currency: str
    stake: int
    state: SettlementState
    outcome: BetOutcome | None
    payout: int
    version: int
    settled_at_ms: int
    """Event time of the input (result, cancel, rollback, provider settlement) from which the bet
    has had its current state, outcome, payout and flags: not of the bet's placement, so the
    same inputs give the same time whatever order bets and results arrive in."""
    reason: str | None = None
    """Void reason, rollback, abort reason code: a short machine-readable text."""
    flags: list[SettlementFlag] = []
    previous_state: SettlementState | None = None
    """The bet's state in its version ``version - 1`` (None for version 1), with the outcome
    and payout below: what this version replaces, so an aggregate can subtract it."""
    previous_outcome: BetOutcome | None = None
    previous_payout: int = 0
    accepted_odds: int | None = None
    """A single's accepted odds ``O`` x 10,000 (None for a multiple, or odds off the scale)."""
    reduced_odds: int | None = None
    """A single's odds after Betfair reduction factors ``O'`` x 10,000 (MONEY.md §2.2); equal to
    ``accepted_odds`` when no removal reduced them; None when not a Betfair market."""
    ledger: Ledger = "CASH"
    game_id: str | None = None
    table_id: str | None = None
    placed_at_ms: int | None = None
    """Event time of the bet's placement (its BET / debit / ``bet.place``), when known."""


class RoundSummary(_Record, tag="settlement.round", frozen=True, kw_only=True):
    round_id: str
    currency: str
    status: Literal["OPEN", "SETTLED", "VOID"]
    bets: int
    """Settled bets counted below."""
    stake: int
    payout: int
    version: int
    updated_at_ms: int


class SettlementBetLine(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    bet_id: str
    stake: int
    payout: int
    outcome: BetOutcome | None
    version: int


class SettlementTransaction(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    id: str
    type: Literal["DEBIT", "CREDIT"]
    amount: int


class Settlement(_Record, tag="round.settle", frozen=True, kw_only=True):
    settlement_id: str
    """``{tenant}:{provider}:{round_id}:`` + the sorted ``bet_id:version`` of its bets."""
    round_id: str
    currency: str
    settled_at_ms: int
    bets: list[SettlementBetLine]
    transactions: list[SettlementTransaction]


SettlementRecord = BetSettlement | RoundSummary

SETTLEMENT_ENCODER = msgspec.json.Encoder()
SETTLEMENT_DECODER: msgspec.json.Decoder[BetSettlement | RoundSummary | Settlement] = (
    msgspec.json.Decoder(BetSettlement | RoundSummary | Settlement)
)
