"""From bet settlement versions to what is published: round summaries and ``round.settle``.

``RoundTotals`` keeps, per round (``schemas.settlement.BetSettlement.round_id``: a live round
or a sports line ``event/line``), every bet's latest version and emits a new ``RoundSummary``
whenever its figures change: ``bets``, ``stake`` and ``payout`` over the bets whose state
is SETTLED; ``status`` SETTLED when every known bet of the round is settled, VOID when they
all are VOID, else OPEN; ``updated_at_ms`` the latest ``settled_at_ms`` of its bets. A new bet
version that leaves all of these as they were (a flag, a confirmation) emits nothing.
``version`` is ``updated_at_ms``, not a count: bets of one round may come from several
partitions, so how many intermediate totals a run passes through depends on the interleaving,
while the final totals and their newest settlement time do not. A store keeps the highest
version, the later write winning a tie, and so ends with the same summary whatever the path.
State is plain picklable Python, kept by the risk entity that owns the round.

``settlement_messages`` groups the bet versions one input produced into ``Settlement``
messages (one per tenant, provider, round and currency), with the wallet ``transactions`` each
version implies relative to the version before it: a CREDIT of a payout increase, a DEBIT of a
decrease (a correction down, a rollback), nothing when the payout did not move. Summed per bet,
the transactions equal its current payout. Ids are deterministic: ``{bet_id}:{version}`` for a
transaction, and the round key plus its sorted ``bet_id:version`` pairs for a message, so a
replay of the same input publishes the very same message.
"""

from __future__ import annotations

from itertools import groupby
from typing import Literal

from wagerflow.schemas.settlement import (
    BetSettlement,
    RoundSummary,
    Settlement,
    SettlementBetLine,
    SettlementTransaction,
)

RoundKey = tuple[str, str, str, str]  # tenant, provider, round_id, currency


def round_key(record: BetSettlement) -> RoundKey:
    return (record.tenant_id, record.provider_id, record.round_id, record.currency)


class RoundTotals:
    def __init__(self) -> None:
        self._bets: dict[RoundKey, dict[str, BetSettlement]] = {}
        self._last: dict[RoundKey, RoundSummary] = {}

    def apply(self, records: list[BetSettlement]) -> list[RoundSummary]:
        touched: dict[RoundKey, BetSettlement] = {}
        for record in records:
            key = round_key(record)
            bets = self._bets.setdefault(key, {})
            held = bets.get(record.bet_id)
            if held is None or record.version > held.version:
                bets[record.bet_id] = record
                touched[key] = record
        out = []
        for key, last in touched.items():
            summary = self._summary(key, last)
            held_summary = self._last.get(key)
            if held_summary is not None and _figures(held_summary) == _figures(summary):
                continue
            self._last[key] = summary
            out.append(summary)
        return out

    def _summary(self, key: RoundKey, last: BetSettlement) -> RoundSummary:
        tenant, provider, round_id, currency = key
        bets = self._bets[key].values()
        settled = [b for b in bets if b.state == "SETTLED"]
        status: Literal["OPEN", "SETTLED", "VOID"]
        if settled and len(settled) == len(bets):
            status = "VOID" if all(b.outcome == "VOID" for b in settled) else "SETTLED"
        else:
            status = "OPEN"
        return RoundSummary(
            tenant_id=tenant,
            provider_id=provider,
            category=last.category,
            round_id=round_id,
            currency=currency,
            status=status,
            bets=len(settled),
            stake=sum(b.stake for b in settled),
            payout=sum(b.payout for b in settled),
            version=max(b.settled_at_ms for b in bets),
            updated_at_ms=max(b.settled_at_ms for b in bets),
        )


def _figures(summary: RoundSummary) -> tuple[object, ...]:
    return (summary.status, summary.bets, summary.stake, summary.payout, summary.updated_at_ms)


def transaction(record: BetSettlement) -> SettlementTransaction | None:
    """The money movement of one bet version: its payout minus the previous version's."""
    delta = record.payout - record.previous_payout
    if delta == 0:
        return None
    kind: Literal["DEBIT", "CREDIT"] = "CREDIT" if delta > 0 else "DEBIT"
    return SettlementTransaction(
        id=f"{record.bet_id}:{record.version}", type=kind, amount=abs(delta)
    )


def settlement_messages(records: list[BetSettlement]) -> list[Settlement]:
    """One ``round.settle`` message per round key among ``records`` (module docstring)."""
    out = []
    for key, group in groupby(
        sorted(records, key=lambda r: (round_key(r), r.bet_id, r.version)), round_key
    ):
        versions = list(group)
        tenant, provider, round_id, currency = key
        pairs = ",".join(f"{r.bet_id}:{r.version}" for r in versions)
        out.append(
            Settlement(
                tenant_id=tenant,
                provider_id=provider,
                category=versions[0].category,
                settlement_id=f"{tenant}:{provider}:{round_id}:{pairs}",
                round_id=round_id,
                currency=currency,
                settled_at_ms=max(r.settled_at_ms for r in versions),
                bets=[
                    SettlementBetLine(
                        bet_id=r.bet_id,
                        stake=r.stake,
                        payout=r.payout,
                        outcome=r.outcome,
                        version=r.version,
                    )
                    for r in versions
                ],
                transactions=[t for r in versions if (t := transaction(r)) is not None],
            )
        )
    return out
