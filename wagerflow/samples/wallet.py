"""Generated seamless-wallet callback streams of Hub88, Evolution and Pragmatic Play, framed as
the bridge's ingress writes them (``<path> <body>``, see ``schemas.wallet``).

Each generator plays ``rounds`` game rounds of a few players and returns the callbacks in the
order a provider sends them. Realistic, not exhaustive:

- **Hub88**: a bet, then a win (often of 0: a lost round is closed by a zero win), or now and
  then a rollback of the bet instead; some rounds are free bets; amounts in 1/100,000 units of
  EUR, USD, GBP or JPY.
- **Evolution**: one to three debits on a live table (side bets), then a credit for each (0 for
  a lost bet) or a cancel; amounts are JSON numbers with two decimals (none for JPY).
- **Pragmatic Play**: a bet, a result (often 0) or a refund of the bet, then endRound; now and
  then a free-rounds spin (``bonusCode``) closed by a bonusWin, a jackpotWin, a prize drop on the
  result, a promoWin or an adjustment. Every call carries its correct ``hash`` for ``secret``.

About one callback in forty is delivered twice, byte for byte (a provider retry after a
timeout). Deterministic for a seed: the same arguments always give the same bytes.
"""

from __future__ import annotations

import random
import uuid
from decimal import Decimal
from urllib.parse import urlencode

import msgspec

from wagerflow.adapters.pragmatic import pragmatic_hash
from wagerflow.money import currency_exponent
from wagerflow.schemas.wallet import HUB88_AMOUNT_DIGITS, frame_request

START_MS = 1_768_050_000_000
"""Pragmatic timestamps start here (2026-01-10T13:00:00Z)."""
RETRY_RATE = 1 / 40

_JSON = msgspec.json.Encoder(decimal_format="number")
_STAKES = ("0.20", "0.50", "1.00", "2.00", "2.50", "5.00", "10.00", "25.00")
_JPY_STAKES = ("20", "50", "100", "200", "500", "1000")
_MULTIPLIERS = ("0", "0", "0", "0.5", "1", "1.5", "2", "3", "5", "10", "50")


def _rng(name: str, seed: int) -> random.Random:
    # sample data, not cryptography: a seeded PRNG is exactly what is wanted
    return random.Random(f"{name}:{seed}")  # noqa: S311


def _uuid(rnd: random.Random) -> str:
    return str(uuid.UUID(int=rnd.getrandbits(128), version=4))


def _hex(rnd: random.Random, digits: int) -> str:
    return f"{rnd.getrandbits(4 * digits):0{digits}x}"


def _stake(rnd: random.Random, currency: str) -> Decimal:
    return Decimal(rnd.choice(_JPY_STAKES if currency_exponent(currency) == 0 else _STAKES))


def _win(rnd: random.Random, stake: Decimal, currency: str) -> Decimal:
    """A payout that is a whole number of minor units of ``currency``."""
    raw = stake * Decimal(rnd.choice(_MULTIPLIERS))
    return raw.quantize(Decimal(1).scaleb(-currency_exponent(currency)))


def _emit(out: list[bytes], rnd: random.Random, line: bytes) -> None:
    out.append(line)
    if rnd.random() < RETRY_RATE:
        out.append(line)


# --- Hub88 ------------------------------------------------------------------------------------


def _hub88_units(amount: Decimal) -> int:
    return int(amount.scaleb(HUB88_AMOUNT_DIGITS))


def hub88_lines(seed: int, rounds: int) -> list[bytes]:
    """The Hub88 callbacks of ``rounds`` generated rounds."""
    rnd = _rng("hub88", seed)
    players = [
        (f"player{rnd.randrange(10_000, 99_999)}", _uuid(rnd), rnd.choice(["EUR", "USD", "GBP"]))
        for _ in range(4)
    ]
    players.append((f"player{rnd.randrange(10_000, 99_999)}", _uuid(rnd), "JPY"))
    games = ["clt_dragonrising", "pgp_fortunetiger", "evp_fruitsuper", "hsg_wanteddeadoradog"]
    out: list[bytes] = []
    for _ in range(rounds):
        user, token, currency = rnd.choice(players)
        game = rnd.choice(games)
        round_id = str(rnd.randrange(10**11, 10**12))
        is_free = rnd.random() < 0.08
        stake = _stake(rnd, currency)
        common = {"user": user, "token": token, "game_code": game, "currency": currency}
        bet_uuid = _uuid(rnd)
        bet = {
            **common,
            "transaction_uuid": bet_uuid,
            "supplier_transaction_id": f"sup-{_hex(rnd, 12)}",
            "round": round_id,
            "round_closed": False,
            "request_uuid": _uuid(rnd),
            "is_free": is_free,
            "is_aggregated": False,
            "bet": rnd.choice(["spin", "spin", "buy_feature", "ante"]),
            "amount": _hub88_units(stake),
            "meta": {
                "lines": rnd.choice([10, 20, 25]),
                "feature": rnd.choice(["base", "base", "free_spins"]),
            },
        }
        _emit(out, rnd, frame_request("/transaction/bet", _JSON.encode(bet)))
        if rnd.random() < 0.06:
            rollback = {
                "user": user,
                "token": token,
                "game_code": game,
                "transaction_uuid": _uuid(rnd),
                "supplier_transaction_id": f"sup-{_hex(rnd, 12)}",
                "round": round_id,
                "round_closed": True,
                "request_uuid": _uuid(rnd),
                "reference_transaction_uuid": bet_uuid,
                "meta": None,
            }
            _emit(out, rnd, frame_request("/transaction/rollback", _JSON.encode(rollback)))
            continue
        win = {
            **common,
            "transaction_uuid": _uuid(rnd),
            "supplier_transaction_id": f"sup-{_hex(rnd, 12)}",
            "reference_transaction_uuid": bet_uuid,
            "round": round_id,
            "round_closed": True,
            "request_uuid": _uuid(rnd),
            "is_free": is_free,
            "is_aggregated": False,
            "bet": bet["bet"],
            "amount": _hub88_units(_win(rnd, stake, currency)),
        }
        _emit(out, rnd, frame_request("/transaction/win", _JSON.encode(win)))
    return out


# --- Evolution --------------------------------------------------------------------------------


def evolution_lines(seed: int, rounds: int) -> list[bytes]:
    """The Evolution One Wallet callbacks of ``rounds`` generated rounds."""
    rnd = _rng("evolution", seed)
    tables = [
        ("vctlz20yfnmp1ylr", "roulette"),
        ("leqhceumaq6qfoug", "blackjack"),
        ("oytmvb9m1zysmc44", "baccarat"),
        ("LightningTable01", "roulette"),
    ]
    players = [
        (f"u{rnd.randrange(100_000, 999_999)}", rnd.choice(["EUR", "EUR", "USD", "JPY"]))
        for _ in range(6)
    ]
    sids = {user: _hex(rnd, 32) for user, _ in players}
    out: list[bytes] = []
    for _ in range(rounds):
        table_id, game_type = rnd.choice(tables)
        vid = rnd.choice([None, None, f"{table_id[:4]}{_hex(rnd, 4)}"])
        game_id = _hex(rnd, 24)
        seated = rnd.sample(players, rnd.randint(1, 3))
        game = {
            "id": game_id,
            "type": game_type,
            "details": {"table": {"id": table_id, "vid": vid}},
        }
        debits: list[tuple[str, str, str, Decimal]] = []
        for user, currency in seated:
            for _ in range(rnd.randint(1, 2)):
                ref_id = f"{rnd.randrange(10**17, 10**18)}"
                stake = _stake(rnd, currency)
                debits.append((user, currency, ref_id, stake))
                body = {
                    "sid": sids[user],
                    "userId": user,
                    "channel": {"type": rnd.choice(["P", "M"])},
                    "currency": currency,
                    "game": game,
                    "transaction": {"id": f"D{ref_id}", "refId": ref_id, "amount": stake},
                    "uuid": _uuid(rnd),
                }
                _emit(out, rnd, frame_request("/debit", _JSON.encode(body)))
        for user, currency, ref_id, stake in debits:
            if rnd.random() < 0.05:
                path, tx_id, amount = "/cancel", f"D{ref_id}", stake
            else:
                path, tx_id, amount = "/credit", f"C{ref_id}", _win(rnd, stake, currency)
            body = {
                "sid": sids[user],
                "userId": user,
                "currency": currency,
                "game": game,
                "transaction": {"id": tx_id, "refId": ref_id, "amount": amount},
                "uuid": _uuid(rnd),
            }
            _emit(out, rnd, frame_request(path, _JSON.encode(body)))
    return out


# --- Pragmatic Play ---------------------------------------------------------------------------


def _pragmatic(path: str, fields: dict[str, str], secret: str) -> bytes:
    signed = {**fields, "hash": pragmatic_hash(fields, secret)}
    return frame_request(path, urlencode(signed).encode("ascii"))


def pragmatic_lines(
    seed: int,
    rounds: int,
    secret: str = "testKey",  # noqa: S107  the key of generated samples, not a credential
) -> list[bytes]:
    """The Pragmatic Play callbacks of ``rounds`` generated rounds, hashed with ``secret``."""
    rnd = _rng("pragmatic", seed)
    games = ["vs20olympgate", "vs20fruitsw", "vs10bbbonanza", "vs20doghouse", "vs25pyramid"]
    players = [f"{rnd.randrange(1_000_000, 9_999_999)}" for _ in range(5)]
    now = START_MS
    out: list[bytes] = []

    def ref() -> str:
        return _hex(rnd, 24)

    def call(path: str, **fields: str) -> None:
        nonlocal now
        now += rnd.randint(40, 4_000)
        sent = {name: value for name, value in fields.items() if value}  # optional ones left out
        base = {"providerId": "PragmaticPlay", "timestamp": str(now), **sent}
        _emit(out, rnd, _pragmatic(path, base, secret))

    for _ in range(rounds):
        user = rnd.choice(players)
        game = rnd.choice(games)
        round_id = str(rnd.randrange(10**10, 10**11))
        platform = rnd.choice(["WEB", "MOBILE"])
        bonus = f"FRB-{rnd.randrange(1000, 9999)}" if rnd.random() < 0.1 else ""
        stake = Decimal("0") if bonus else _stake(rnd, "EUR")
        common = {"userId": user, "gameId": game, "roundId": round_id}
        bet_ref = ref()
        call(
            "/bet.html",
            **common,
            amount=str(stake),
            reference=bet_ref,
            roundDetails="spin",
            bonusCode=bonus,
            platform=platform,
        )
        if rnd.random() < 0.05:
            call("/refund.html", **common, reference=bet_ref, amount=str(stake))
        else:
            win = _win(rnd, stake if not bonus else Decimal("1.00"), "EUR")
            result = {
                **common,
                "amount": str(win),
                "reference": ref(),
                "roundDetails": "spin",
                "bonusCode": bonus,
                "platform": platform,
            }
            if rnd.random() < 0.03:
                result |= {
                    "promoWinAmount": rnd.choice(["5.00", "10.00", "50.00"]),
                    "promoWinReference": ref(),
                    "promoCampaignID": str(rnd.randrange(100, 999)),
                    "promoCampaignType": "R",
                }
            call("/result.html", **result)
            if rnd.random() < 0.01:
                call(
                    "/jackpotWin.html",
                    **common,
                    amount=rnd.choice(["100.00", "250.50", "1000.00"]),
                    reference=ref(),
                    jackpotId=str(rnd.randrange(1, 20)),
                    platform=platform,
                )
        call("/endRound.html", **common, roundDetails="spin", bonusCode=bonus, platform=platform)
        if bonus and rnd.random() < 0.5:
            call(
                "/bonusWin.html",
                userId=user,
                amount=str(_win(rnd, Decimal("5.00"), "EUR")),
                reference=ref(),
                bonusCode=bonus,
                gameId=game,
            )
        if rnd.random() < 0.02:
            call(
                "/promoWin.html",
                userId=user,
                amount=rnd.choice(["10.00", "25.00"]),
                reference=ref(),
                campaignId=str(rnd.randrange(1000, 9999)),
                campaignType="T",
                currency="EUR",
            )
        if rnd.random() < 0.01:
            call(
                "/adjustment.html",
                **common,
                amount=rnd.choice(["-1.50", "2.00", "-0.20"]),
                reference=ref(),
                validBetAmount=str(stake),
            )
    return out
