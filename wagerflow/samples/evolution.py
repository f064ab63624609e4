"""Generated Evolution One Wallet callbacks (see ``wallet_common`` for what every generator
shares).

One to three debits on a live table (side bets), then a credit for each (0 for a lost bet) or a
cancel; amounts are JSON numbers with two decimals (none for JPY).
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
from wagerflow.schemas.wallet import frame_request


def evolution_lines(seed: int, rounds: int) -> list[bytes]:
    """The Evolution One Wallet callbacks of ``rounds`` generated rounds."""
    rnd = seeded_rng("evolution", seed)
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
    sids = {user: random_hex(rnd, 32) for user, _ in players}
    out: list[bytes] = []
    for _ in range(rounds):
        table_id, game_type = rnd.choice(tables)
        vid = rnd.choice([None, None, f"{table_id[:4]}{random_hex(rnd, 4)}"])
        game_id = random_hex(rnd, 24)
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
                stake = random_stake(rnd, currency)
                debits.append((user, currency, ref_id, stake))
                body = {
                    "sid": sids[user],
                    "userId": user,
                    "channel": {"type": rnd.choice(["P", "M"])},
                    "currency": currency,
                    "game": game,
                    "transaction": {"id": f"D{ref_id}", "refId": ref_id, "amount": stake},
                    "uuid": random_uuid(rnd),
                }
                emit(out, rnd, frame_request("/debit", JSON.encode(body)))
        for user, currency, ref_id, stake in debits:
            if rnd.random() < 0.05:
                path, tx_id, amount = "/cancel", f"D{ref_id}", stake
            else:
                path, tx_id, amount = "/credit", f"C{ref_id}", random_win(rnd, stake, currency)
            body = {
                "sid": sids[user],
                "userId": user,
                "currency": currency,
                "game": game,
                "transaction": {"id": tx_id, "refId": ref_id, "amount": amount},
                "uuid": random_uuid(rnd),
            }
            emit(out, rnd, frame_request(path, JSON.encode(body)))
    return out
