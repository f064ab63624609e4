"""The bridge's live-casino contract (``schemas.live``) -> normalized events.

``decode(raw, meta)`` is the adapter (``wagerflow.adapters.base.Adapter``): one message in, a
list with the one ``PendingEvent`` it implies, or a ``Rejection``. It is pure and never raises on
bad input. Every event has category ``live``; a message's ``nonce`` becomes
``PendingEvent.nonce``.

Each ``message`` -> its event; its entity; its dedup key. Both ids start with ``live:`` (left
out below), like every adapter's:

- ``bet.place`` -> ``BetPlaced``; ``bet:{bet}``; ``bet.place:{idempotencyKey}``
- ``bet.accepted`` -> ``BetDecided`` ACCEPTED; ``bet:{bet}``; ``bet.accepted:{bet}``
- ``bet.rejected`` -> ``BetDecided`` REJECTED (reason); ``bet:{bet}``; ``bet.rejected:{bet}``
- ``round.settle`` -> ``RoundSettled``; ``round:{roundId}``; ``round.settle:{roundId}``
- ``limits.update`` -> ``LimitsUpdated``; ``limits:{profile}/{scope}``;
  ``limits.update:{profile}:{scope}:{t}``
- ``thresholds.update`` -> ``ThresholdsUpdated``; ``thresholds:{currency}/{scope}``;
  ``thresholds.update:{currency}:{scope}:{t}``
- ``session.close`` -> ``SessionClosed``; ``session:{sessionId}``; ``session.close:{sessionId}``
- ``provider.error`` -> ``ProviderHealth`` ERROR (detail ``"{code}: {message}"``);
  ``producer:{producer}``; ``provider.error:{producer}:{code}:{t}``

``{t}`` is the message time in epoch ms; only limits, thresholds and provider errors repeat per
id, so only they carry it. A resend of a once-per-id message with other content is a conflict
(DLQ), except a changed ``round.settle``: a correction (``wagerflow.pipeline.dedup``).

Assumptions:

- A bet is named by ``betId`` when its ``bet.place`` carries one, else by its
  ``idempotencyKey`` (``BetPlaced.bet_id``); ``bet.accepted``/``bet.rejected`` and
  ``round.settle`` name it the same way (betId when present, else the idempotencyKey). A betId
  first assigned at acceptance would not match the placement: the contract's ``BetDecided``
  has no idempotency key to correlate by.
- A selection leg maps to ``BetSelection(market_id=market, selection_id=value)``; an integer
  ``value`` becomes its decimal text.
- A ``round.settle`` is one player's settlement of a round: ``roundId`` is globally unique and
  settled once (the singular ``balanceAfter``), so ``roundId`` alone keys it. A studio round
  shared by several players would need the ``sessionId`` in the key.
- ``provider.error`` without ``producer`` is attributed to the producer ``live``.
- Amounts are exact minor units of the stake's or the message's currency; a stake must be
  positive. ``limits.update`` amounts without a ``currency`` are a SCHEMA_MISMATCH.
- ``acceptedOdds`` (optional, rare in live casino) is decimal odds, scaled x 10,000.

Rejections as in ``wagerflow.adapters.generic`` (MALFORMED, UNSUPPORTED_MESSAGE for an
unknown ``type``, SCHEMA_MISMATCH for missing or mistyped fields, a decision naming no bet, a bet
or transaction listed twice in a settle; INVALID_VALUE for negative, inexact or out-of-range
amounts, a zero stake, a LOSE with a payout, a time outside 1970..9999). Dispatch as there: the
tagged union ``schemas.live.LIVE_DECODER`` decodes, ``HANDLERS`` maps each struct type to its
function.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from wagerflow.adapters.base import PendingEvent, RawMeta
from wagerflow.adapters.fields import (
    CommonFields,
    EntityEvent,
    MessageContext,
    Refused,
    common_fields,
    decimal_odds,
    decode_tagged,
    event_time_ms,
    minor_units,
)
from wagerflow.adapters.rejection import Rejection
from wagerflow.schemas import live as wire
from wagerflow.schemas.dlq import Reason
from wagerflow.schemas.events import (
    BetDecided,
    BetPlaced,
    BetSelection,
    LimitsUpdated,
    ProviderHealth,
    RoundSettled,
    RoundTransaction,
    SessionClosed,
    SettledBet,
    ThresholdsUpdated,
)

PROVIDER = "live"
MESSAGE_TYPES = wire.MESSAGE_TYPES


def _bet_ref(bet_id: str | None, idempotency_key: str | None) -> str:
    ref = bet_id or idempotency_key
    if ref is None:
        raise Refused(Reason.SCHEMA_MISMATCH, "names no bet: needs betId or idempotencyKey")
    return ref


def _settled_bets(msg: wire.RoundSettle) -> list[SettledBet]:
    bets = []
    seen: set[str] = set()
    for i, bet in enumerate(msg.bets):
        if bet.bet_id in seen:
            raise Refused(Reason.SCHEMA_MISMATCH, f"bets[{i}]: bet {bet.bet_id!r} listed twice")
        seen.add(bet.bet_id)
        payout = minor_units(bet.payout, msg.currency, "bets[{}].payout", i)
        if bet.outcome == "LOSE" and payout:
            raise Refused(Reason.INVALID_VALUE, f"bets[{i}].payout: a LOSE pays nothing")
        bets.append(
            SettledBet(
                bet_id=bet.bet_id,
                stake=minor_units(bet.stake, msg.currency, "bets[{}].stake", i),
                payout=payout,
                outcome=bet.outcome,
            )
        )
    return bets


def _transactions(msg: wire.RoundSettle) -> list[RoundTransaction]:
    transactions = []
    seen: set[str] = set()
    for i, tx in enumerate(msg.transactions):
        if tx.id in seen:
            detail = f"transactions[{i}]: transaction {tx.id!r} listed twice"
            raise Refused(Reason.SCHEMA_MISMATCH, detail)
        seen.add(tx.id)
        transactions.append(
            RoundTransaction(
                transaction_id=tx.id,
                direction=tx.type,
                amount=minor_units(tx.amount, msg.currency, "transactions[{}].amount", i),
            )
        )
    return transactions


def _limit(amount: Decimal | None, currency: str | None, field: str) -> int | None:
    if amount is None:
        return None
    if currency is None:
        raise Refused(Reason.SCHEMA_MISMATCH, f"{field}: a limit amount needs a currency")
    return minor_units(amount, currency, field)


def _env(c: MessageContext, key: str) -> CommonFields:
    return common_fields(c.meta, PROVIDER, "live", c.time_ms, key)


def _bet_place(msg: wire.BetPlace, c: MessageContext) -> EntityEvent:
    currency = msg.stake.currency
    stake = minor_units(msg.stake.amount, currency, "stake.amount")
    if stake == 0:
        raise Refused(Reason.INVALID_VALUE, "stake.amount: a stake must be positive")
    bet_id = msg.bet_id or msg.idempotency_key
    return f"{PROVIDER}:bet:{bet_id}", BetPlaced(
        **_env(c, f"bet.place:{msg.idempotency_key}"),
        bet_id=bet_id,
        idempotency_key=msg.idempotency_key,
        selections=[
            BetSelection(market_id=leg.market, selection_id=str(leg.value)) for leg in msg.selection
        ],
        stake=stake,
        currency=currency,
        player_id=msg.player_id,
        session_id=msg.session_id,
        round_id=msg.round_id,
        limits_profile=msg.limits_profile,
        table_id=msg.table_id,
    )


def _bet_accepted(msg: wire.BetAccepted, c: MessageContext) -> EntityEvent:
    bet_id = _bet_ref(msg.bet_id, msg.idempotency_key)
    odds = msg.accepted_odds
    return f"{PROVIDER}:bet:{bet_id}", BetDecided(
        **_env(c, f"bet.accepted:{bet_id}"),
        bet_id=bet_id,
        decision="ACCEPTED",
        accepted_odds=None if odds is None else decimal_odds(odds, "acceptedOdds"),
    )


def _bet_rejected(msg: wire.BetRejected, c: MessageContext) -> EntityEvent:
    bet_id = _bet_ref(msg.bet_id, msg.idempotency_key)
    return f"{PROVIDER}:bet:{bet_id}", BetDecided(
        **_env(c, f"bet.rejected:{bet_id}"),
        bet_id=bet_id,
        decision="REJECTED",
        reason=msg.reason,
    )


def _round_settle(msg: wire.RoundSettle, c: MessageContext) -> EntityEvent:
    return f"{PROVIDER}:round:{msg.round_id}", RoundSettled(
        **_env(c, f"round.settle:{msg.round_id}"),
        round_id=msg.round_id,
        currency=msg.currency,
        bets=_settled_bets(msg),
        transactions=_transactions(msg),
        balance_after=minor_units(msg.balance_after, msg.currency, "balanceAfter"),
        session_id=msg.session_id,
    )


def _limits_update(msg: wire.LimitsUpdate, c: MessageContext) -> EntityEvent:
    return f"{PROVIDER}:limits:{msg.profile}/{msg.scope}", LimitsUpdated(
        **_env(c, f"limits.update:{msg.profile}:{msg.scope}:{c.time_ms}"),
        profile=msg.profile,
        scope=msg.scope,
        currency=msg.currency,
        max_stake=_limit(msg.max_stake, msg.currency, "maxStake"),
        max_payout=_limit(msg.max_payout, msg.currency, "maxPayout"),
        max_liability=_limit(msg.max_liability, msg.currency, "maxLiability"),
    )


def _thresholds_update(msg: wire.ThresholdsUpdate, c: MessageContext) -> EntityEvent:
    cur = msg.currency
    return f"{PROVIDER}:thresholds:{cur}/{msg.scope}", ThresholdsUpdated(
        **_env(c, f"thresholds.update:{cur}:{msg.scope}:{c.time_ms}"),
        currency=cur,
        scope=msg.scope,
        selection_liability=_limit(msg.selection_liability, cur, "selectionLiability"),
        market_liability=_limit(msg.market_liability, cur, "marketLiability"),
        event_liability=_limit(msg.event_liability, cur, "eventLiability"),
        round_liability=_limit(msg.round_liability, cur, "roundLiability"),
    )


def _session_close(msg: wire.SessionClose, c: MessageContext) -> EntityEvent:
    return f"{PROVIDER}:session:{msg.session_id}", SessionClosed(
        **_env(c, f"session.close:{msg.session_id}"),
        session_id=msg.session_id,
        player_id=msg.player_id,
        reason=msg.reason,
    )


def _provider_error(msg: wire.ProviderError, c: MessageContext) -> EntityEvent:
    producer = msg.producer or PROVIDER
    code = str(msg.code)
    return f"{PROVIDER}:producer:{producer}", ProviderHealth(
        **_env(c, f"provider.error:{producer}:{code}:{c.time_ms}"),
        producer=producer,
        state="ERROR",
        detail=f"{code}: {msg.message}",
    )


HANDLERS: dict[type[wire.LiveMessage], Callable[[Any, MessageContext], EntityEvent]] = {
    wire.BetPlace: _bet_place,
    wire.BetAccepted: _bet_accepted,
    wire.BetRejected: _bet_rejected,
    wire.RoundSettle: _round_settle,
    wire.LimitsUpdate: _limits_update,
    wire.ThresholdsUpdate: _thresholds_update,
    wire.SessionClose: _session_close,
    wire.ProviderError: _provider_error,
}
"""The handler of each message struct (see ``wagerflow.adapters.generic.HANDLERS``)."""


def decode(raw: bytes, meta: RawMeta) -> list[PendingEvent] | Rejection:
    """One live-casino bridge message -> its one ``PendingEvent``, or a ``Rejection``. Never raises
    on bad input; pure (the same bytes and meta give an equal result)."""
    msg = decode_tagged(wire.LIVE_DECODER, raw, MESSAGE_TYPES)
    if isinstance(msg, Rejection):
        return msg
    try:
        entity, event = HANDLERS[type(msg)](msg, MessageContext(meta, event_time_ms(msg.timestamp)))
    except Refused as exc:
        return exc.rejection
    return [PendingEvent(entity, event, raw, msg.nonce)]
