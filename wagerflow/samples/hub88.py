"""Generated Hub88 wallet callbacks (see ``wallet_common`` for what every generator shares).

A bet, then a win (often of 0: a lost round is closed by a zero win), or now and then a rollback
of the bet instead; some rounds are free bets; amounts in 1/100,000 units of EUR, USD, GBP or
JPY.
"""

from __future__ import annotations

from decimal import Decimal

from wagerflow.samples.wallet_common import (
    JSON,
    emit,
    random_hex,
    random_stake,
    random_uuid,
    random_win,
    seeded_rng,
)
from wagerflow.schemas.wallet import HUB88_AMOUNT_DIGITS, frame_request


def _hub88_units(amount: Decimal) -> int:
    return int(amount.scaleb(HUB88_AMOUNT_DIGITS))


def hub88_lines(seed: int, rounds: int) -> list[bytes]:
    """The Hub88 callbacks of ``rounds`` generated rounds."""
    rnd = seeded_rng("hub88", seed)
    players = [
        (
            f"player{rnd.randrange(10_000, 99_999)}",
            random_uuid(rnd),
            rnd.choice(["EUR", "USD", "GBP"]),
        )
        for _ in range(4)
    ]
    players.append((f"player{rnd.randrange(10_000, 99_999)}", random_uuid(rnd), "JPY"))
    games = ["clt_dragonrising", "pgp_fortunetiger", "evp_fruitsuper", "hsg_wanteddeadoradog"]
    out: list[bytes] = []
    for _ in range(rounds):
        user, token, currency = rnd.choice(players)
        game = rnd.choice(games)
        round_id = str(rnd.randrange(10**11, 10**12))
        is_free = rnd.random() < 0.08
        stake = random_stake(rnd, currency)
        common = {"user": user, "token": token, "game_code": game, "currency": currency}
        bet_uuid = random_uuid(rnd)
        bet = {
            **common,
            "transaction_uuid": bet_uuid,
            "supplier_transaction_id": f"sup-{random_hex(rnd, 12)}",
            "round": round_id,
            "round_closed": False,
            "request_uuid": random_uuid(rnd),
            "is_free": is_free,
            "is_aggregated": False,
            "bet": rnd.choice(["spin", "spin", "buy_feature", "ante"]),
            "amount": _hub88_units(stake),
            "meta": {
                "lines": rnd.choice([10, 20, 25]),
                "feature": rnd.choice(["base", "base", "free_spins"]),
            },
        }
        emit(out, rnd, frame_request("/transaction/bet", JSON.encode(bet)))
        if rnd.random() < 0.06:
            rollback = {
                "user": user,
                "token": token,
                "game_code": game,
                "transaction_uuid": random_uuid(rnd),
                "supplier_transaction_id": f"sup-{random_hex(rnd, 12)}",
                "round": round_id,
                "round_closed": True,
                "request_uuid": random_uuid(rnd),
                "reference_transaction_uuid": bet_uuid,
                "meta": None,
            }
            emit(out, rnd, frame_request("/transaction/rollback", JSON.encode(rollback)))
            continue
        win = {
            **common,
            "transaction_uuid": random_uuid(rnd),
            "supplier_transaction_id": f"sup-{random_hex(rnd, 12)}",
            "reference_transaction_uuid": bet_uuid,
            "round": round_id,
            "round_closed": True,
            "request_uuid": random_uuid(rnd),
            "is_free": is_free,
            "is_aggregated": False,
            "bet": bet["bet"],
            "amount": _hub88_units(random_win(rnd, stake, currency)),
        }
        emit(out, rnd, frame_request("/transaction/win", JSON.encode(win)))
    return out
