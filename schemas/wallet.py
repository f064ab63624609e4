"""Seamless-wallet callbacks of Hub88, Evolution and Pragmatic Play, as received, typed.

The providers call the operator's wallet over HTTP; the bridge's ingress forwards each call to
the raw topic. The adapters are ``wagerflow.adapters.hub88``, ``.evolution`` and ``.pragmatic``.

Framing (a project decision): one raw message is the request path, one space, then the body
exactly as received, byte for byte::

    /transaction/bet {"user":"u1","transaction_uuid":"...",...}      Hub88 (JSON)
    /debit {"sid":"...","userId":"...","transaction":{...},...}       Evolution (JSON)
    /bet.html hash=...&providerId=PragmaticPlay&userId=...&...        Pragmatic (form-encoded)

Ingress time: Hub88 and Evolution send no time in their bodies, so the ingress prefixes the
time it received the call, ``@<epoch ms> `` (the same bytes on Kafka and in a recorded file,
so a replay orders and settles the call when it happened); without the prefix, the broker's
timestamp is the event time, and a file gives none (0)::

    @1767225600000 /transaction/bet {"user":"u1",...}

The path is the one the provider called, without the operator's mount prefix (the ingress strips
it: ``/callbacks/pp/bet.html`` is written as ``/bet.html``). A query string, if the ingress kept
one, is not part of the transaction and is ignored (Evolution puts its ``authToken`` there; the
ingress should drop it before the topic). ``split_request`` reads the framing, ``frame_request``
writes it; the path must be ASCII and start with ``/``.

Conventions, as in the other raw schemas: only the fields used downstream are modelled, unknown
fields are tolerated (providers add fields over time), names are the wire names (so camelCase for
Evolution and Pragmatic), amounts are exact (``int`` for Hub88, ``Decimal`` for the others; no
float ever touches them), identifiers are non-empty strings.

- **Hub88** (Operator Wallet API, ``/transaction/bet|win|rollback``): ``amount`` is an integer
  count of 1/100,000 of the currency unit (``HUB88_AMOUNT_DIGITS``), e.g. 1.50 EUR is 150000.
  A rollback names the transaction it reverses in ``reference_transaction_uuid`` and, per the
  public API, carries no ``amount`` or ``currency``; both are accepted if present.
- **Evolution** (One Wallet API, ``/debit|credit|cancel``): ``transaction.amount`` is a JSON
  number in major units (``5.00``); ``transaction.refId`` pairs a debit with its credit or
  cancel; ``game.id`` is the game round, ``game.type`` the game (``blackjack``),
  ``game.details.table`` the table.
- **Pragmatic Play** (Seamless Wallet API, ``/<method>.html``, form-encoded): every value is
  text on the wire; the adapter checks numbers (``amount`` a plain decimal, ``timestamp`` epoch
  milliseconds) before they are typed here. ``reference`` is the idempotency key of a money
  call (for ``refund`` it is the reference of the refunded bet); ``endRound`` has none.
  ``currency`` is not sent on most calls (the adapter's configured default applies).
"""

from decimal import Decimal
from typing import Annotated, NamedTuple

import msgspec

Id = Annotated[str, msgspec.Meta(min_length=1)]
"""A provider identifier: any non-empty string."""

HUB88_AMOUNT_DIGITS = 5
"""Hub88 amounts are integers in 10**-5 of the currency unit."""


class Framed(NamedTuple):
    path: str
    body: bytes
    received_at_ms: int | None
    """The ingress time the framing carries (``@<epoch ms>`` prefix), if any."""


def split_framed(raw: bytes) -> Framed | None:
    """One framed callback: its optional ``@<epoch ms>`` ingress time, its request path (query
    string removed) and its body; None when the bytes are not ``[@ms ]<path> <body>`` with an
    ASCII path starting with ``/``."""
    received: int | None = None
    if raw.startswith(b"@"):
        stamp, sep, raw = raw[1:].partition(b" ")
        if not sep or not stamp.isdigit() or len(stamp) > 15:
            return None
        received = int(stamp)
    target, sep, body = raw.partition(b" ")
    if not sep or not target.startswith(b"/") or not target.isascii():
        return None
    return Framed(target.decode("ascii").partition("?")[0], body, received)


def split_request(raw: bytes) -> tuple[str, bytes] | None:
    """The request path and body of one framed callback (``split_framed`` without the time)."""
    framed = split_framed(raw)
    return None if framed is None else (framed.path, framed.body)


def frame_request(path: str, body: bytes, received_at_ms: int | None = None) -> bytes:
    """The raw message the ingress writes for one callback (inverse of ``split_framed``): with
    ``received_at_ms``, the time the ingress received it, as an ``@<epoch ms>`` prefix."""
    prefix = b"" if received_at_ms is None else b"@%d " % received_at_ms
    return prefix + path.encode("ascii") + b" " + body


# --- Hub88 ------------------------------------------------------------------------------------


class _Hub88Request(msgspec.Struct, frozen=True, kw_only=True):
    transaction_uuid: Id
    """Hub88's id of this transaction (unique across bet, win and rollback)."""
    user: Id
    request_uuid: str | None = None
    """The id of this HTTP request (a retry keeps it); not a transaction id."""
    token: str | None = None
    """The game session token."""
    game_code: str | None = None
    round: str | None = None
    round_closed: bool | None = None
    supplier_transaction_id: str | None = None
    supplier_user: str | None = None


class Hub88Bet(_Hub88Request, frozen=True, kw_only=True):
    amount: int
    currency: Id
    reference_transaction_uuid: str | None = None
    is_free: bool | None = None
    bet: str | None = None
    """Free text about the bet (its type or spot); not interpreted."""
    reward_uuid: str | None = None


class Hub88Win(_Hub88Request, frozen=True, kw_only=True):
    amount: int
    currency: Id
    reference_transaction_uuid: Id
    """The bet this win pays."""
    is_free: bool | None = None
    bet: str | None = None
    reward_uuid: str | None = None


class Hub88Rollback(_Hub88Request, frozen=True, kw_only=True):
    reference_transaction_uuid: Id
    """The transaction (bet or win) this rollback reverses."""
    amount: int | None = None
    currency: str | None = None


# --- Evolution --------------------------------------------------------------------------------


class EvolutionTable(msgspec.Struct, frozen=True, kw_only=True):
    id: Id
    vid: str | None = None
    """Virtual table id (a table shown under another id), if any."""


class EvolutionGameDetails(msgspec.Struct, frozen=True, kw_only=True):
    table: EvolutionTable | None = None


class EvolutionGame(msgspec.Struct, frozen=True, kw_only=True):
    id: Id
    """The game round."""
    type: str | None = None
    """The game (``blackjack``, ``roulette``, ...)."""
    details: EvolutionGameDetails | None = None


class EvolutionTransaction(msgspec.Struct, frozen=True, kw_only=True):
    id: Id
    refId: Id
    """Pairs a debit with the credit or cancel that settles it (all three carry it)."""
    amount: Decimal


class EvolutionRequest(msgspec.Struct, frozen=True, kw_only=True):
    """The body of ``/debit``, ``/credit`` and ``/cancel`` (one shape for all three)."""

    sid: Id
    """The player's session id."""
    userId: Id
    currency: Id
    game: EvolutionGame
    transaction: EvolutionTransaction
    uuid: str | None = None
    """The id of this HTTP request; not a transaction id."""


class EvolutionPromoTransaction(msgspec.Struct, frozen=True, kw_only=True):
    id: Id
    """The promo payout's own id (its idempotency key)."""
    type: str | None = None
    """``FreeRoundPlayableSpent`` (free rounds' winnings paid out), ``JackpotWin``, ..."""
    amount: Decimal
    voucherId: str | None = None


class EvolutionPromoPayout(msgspec.Struct, frozen=True, kw_only=True):
    """The body of ``/promo_payout``: a credit that settles no debit (no ``transaction``)."""

    sid: str | None = None
    userId: Id
    currency: Id
    promoTransaction: EvolutionPromoTransaction
    game: EvolutionGame | None = None
    uuid: str | None = None


# --- Pragmatic Play ---------------------------------------------------------------------------


class _PragmaticRequest(msgspec.Struct, frozen=True, kw_only=True):
    userId: Id
    providerId: str | None = None
    hash: str | None = None
    """md5 over the other parameters and the secret key (checked in
    ``wagerflow.pipeline.signing``)."""
    timestamp: int | None = None
    """When Pragmatic processed the call, epoch milliseconds."""
    currency: str | None = None
    platform: str | None = None
    token: str | None = None


class PragmaticBet(_PragmaticRequest, frozen=True, kw_only=True):
    gameId: Id
    roundId: Id
    amount: Decimal
    reference: Id
    roundDetails: str | None = None
    bonusCode: str | None = None
    """Set when the bet is part of a free-rounds bonus."""


class PragmaticResult(_PragmaticRequest, frozen=True, kw_only=True):
    gameId: Id
    roundId: Id
    amount: Decimal
    reference: Id
    roundDetails: str | None = None
    bonusCode: str | None = None
    promoWinAmount: Decimal | None = None
    """A promotional prize (prize drop) paid with this result, with its own reference."""
    promoWinReference: str | None = None
    promoCampaignID: str | None = None
    promoCampaignType: str | None = None


class PragmaticRefund(_PragmaticRequest, frozen=True, kw_only=True):
    reference: Id
    """The reference of the bet being refunded."""
    amount: Decimal | None = None
    gameId: str | None = None
    roundId: str | None = None
    roundDetails: str | None = None
    bonusCode: str | None = None


class PragmaticBonusWin(_PragmaticRequest, frozen=True, kw_only=True):
    amount: Decimal
    reference: Id
    bonusCode: str | None = None
    gameId: str | None = None
    roundId: str | None = None


class PragmaticJackpotWin(_PragmaticRequest, frozen=True, kw_only=True):
    amount: Decimal
    reference: Id
    gameId: str | None = None
    roundId: str | None = None
    jackpotId: str | None = None
    jackpotDetails: str | None = None


class PragmaticPromoWin(_PragmaticRequest, frozen=True, kw_only=True):
    amount: Decimal
    reference: Id
    campaignId: str | None = None
    campaignType: str | None = None


class PragmaticEndRound(_PragmaticRequest, frozen=True, kw_only=True):
    roundId: Id
    gameId: str | None = None
    roundDetails: str | None = None
    bonusCode: str | None = None


class PragmaticAdjustment(_PragmaticRequest, frozen=True, kw_only=True):
    amount: Decimal
    """Signed: negative takes money from the player."""
    reference: Id
    gameId: str | None = None
    roundId: str | None = None
    validBetAmount: Decimal | None = None


PragmaticRequest = (
    PragmaticBet
    | PragmaticResult
    | PragmaticRefund
    | PragmaticBonusWin
    | PragmaticJackpotWin
    | PragmaticPromoWin
    | PragmaticEndRound
    | PragmaticAdjustment
)
