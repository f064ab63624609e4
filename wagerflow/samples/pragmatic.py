"""Generated Pragmatic Play wallet callbacks (see ``wallet_common`` for what every generator
shares).

A bet, a result (often 0) or a refund of the bet, then endRound; now and then a free-rounds spin
(``bonusCode``) closed by a bonusWin, a jackpotWin, a prize drop on the result, a promoWin or an
adjustment. Every call carries its correct ``hash`` for ``secret``.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from wagerflow.adapters.pragmatic import pragmatic_hash
from wagerflow.samples.wallet_common import (
    emit,
    random_hex,
    random_stake,
    random_win,
    seeded_rng,
)
from wagerflow.schemas.wallet import frame_request

START_MS = 1_768_050_000_000
"""Pragmatic timestamps start here (2026-01-10T13:00:00Z)."""


def _pragmatic(path: str, fields: dict[str, str], secret: str) -> bytes:
    signed = {**fields, "hash": pragmatic_hash(fields, secret)}
    return frame_request(path, urlencode(signed).encode("ascii"))


def pragmatic_lines(
    seed: int,
    rounds: int,
    secret: str = "testKey",  # noqa: S107  the key of generated samples, not a credential
) -> list[bytes]:
    """The Pragmatic Play callbacks of ``rounds`` generated rounds, hashed with ``secret``."""
    rnd = seeded_rng("pragmatic", seed)
    games = ["vs20olympgate", "vs20fruitsw", "vs10bbbonanza", "vs20doghouse", "vs25pyramid"]
    players = [f"{rnd.randrange(1_000_000, 9_999_999)}" for _ in range(5)]
    now = START_MS
    out: list[bytes] = []

    def ref() -> str:
        return random_hex(rnd, 24)

    def call(path: str, **fields: str) -> None:
        nonlocal now
        now += rnd.randint(40, 4_000)
        sent = {name: value for name, value in fields.items() if value}  # optional ones left out
        base = {"providerId": "PragmaticPlay", "timestamp": str(now), **sent}
        emit(out, rnd, _pragmatic(path, base, secret))

    for _ in range(rounds):
        user = rnd.choice(players)
        game = rnd.choice(games)
        round_id = str(rnd.randrange(10**10, 10**11))
        platform = rnd.choice(["WEB", "MOBILE"])
        bonus = f"FRB-{rnd.randrange(1000, 9999)}" if rnd.random() < 0.1 else ""
        stake = Decimal("0") if bonus else random_stake(rnd, "EUR")
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
            win = random_win(rnd, stake if not bonus else Decimal("1.00"), "EUR")
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
                amount=str(random_win(rnd, Decimal("5.00"), "EUR")),
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
