"""Rows for the analytics tables and the pseudonyms in them (no ClickHouse needed)."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import get_args

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wagerflow.analytics.pseudonym import Pseudonymizer, pseudonymize_event
from wagerflow.analytics.rows import TABLES, analytics_rows, keyed_rows
from wagerflow.commands.analytics import pseudonymizer
from wagerflow.config import DEV_PSEUDONYM_KEY, load_settings
from wagerflow.errors import ConfigError
from wagerflow.samples.analytics import scenario
from wagerflow.schemas.events import (
    EVENT_DECODER,
    BetPlaced,
    LimitsUpdated,
    NormalizedEvent,
    Payout,
    RoundResult,
    SessionClosed,
    SourceRef,
)
from wagerflow.schemas.settlement import BetSettlement

KEY = b"k" * 32
PSEUDO = Pseudonymizer(KEY)
SRC = SourceRef(topic="raw.live", partition=1, offset=7)


@given(st.text(min_size=1, max_size=20), st.text(min_size=1, max_size=40))
def test_a_pseudonym_is_a_keyed_hash_per_tenant(tenant: str, player: str) -> None:
    got = PSEUDO(tenant, player)
    message = tenant.encode() + b"\x1f" + player.encode()
    assert got == hmac.new(KEY, message, hashlib.sha256).hexdigest()[:32]
    assert got == PSEUDO(tenant, player) == Pseudonymizer(KEY)(tenant, player)
    assert got != Pseudonymizer(b"another key")(tenant, player)
    assert got != PSEUDO(tenant + "x", player)
    assert re.fullmatch(r"[0-9a-f]{32}", got)


def test_no_player_is_the_empty_pseudonym_and_player_scopes_are_pseudonymized() -> None:
    assert PSEUDO("t", None) == PSEUDO("t", "") == ""
    assert PSEUDO.optional("t", None) is None
    assert PSEUDO.scope("t", "player:p1") == "player:" + PSEUDO("t", "p1")
    assert PSEUDO.scope("t", "sport:1") == "sport:1"
    with pytest.raises(ValueError, match="empty"):
        Pseudonymizer(b"")


def test_the_key_comes_from_the_configuration() -> None:
    assert load_settings({}).pseudonym_key == DEV_PSEUDONYM_KEY.encode()
    settings = load_settings({"WAGERFLOW_PSEUDONYM_KEY": "s3cret"})
    assert settings.pseudonym_key == b"s3cret"
    assert "s3cret" not in repr(settings)
    assert pseudonymizer(settings)("t", "p") == Pseudonymizer(b"s3cret")("t", "p")
    with pytest.raises(ConfigError, match="WAGERFLOW_PSEUDONYM_KEY is empty"):
        load_settings({"WAGERFLOW_PSEUDONYM_KEY": " "})


def _env(**fields: object) -> dict[str, object]:
    return {
        "tenant_id": "t",
        "provider_id": "live",
        "category": "live",
        "event_time_ms": 1_000,
        "received_time_ms": 1_100,
        "dedup_key": "k",
        "source": SRC,
        **fields,
    }


def test_payloads_lose_their_player_ids() -> None:
    bet = BetPlaced(
        **_env(),  # type: ignore[arg-type]
        bet_id="b",
        idempotency_key="i",
        selections=[],
        stake=100,
        currency="EUR",
        player_id="alice",
    )
    result = RoundResult(
        **_env(),  # type: ignore[arg-type]
        round_id="r",
        outcome="RED",
        payouts=[
            Payout(player_id="alice", amount=1, currency="EUR"),
            Payout(amount=2, currency="EUR"),
        ],
    )
    limits = LimitsUpdated(**_env(), profile="VIP", scope="player:alice")  # type: ignore[arg-type]
    closed = SessionClosed(**_env(), session_id="s")  # type: ignore[arg-type]
    for event in (bet, result, limits):
        changed = pseudonymize_event(event, PSEUDO)
        assert "alice" not in msgspec.json.encode(changed).decode()
        assert PSEUDO("t", "alice") in msgspec.json.encode(changed).decode()
    assert pseudonymize_event(closed, PSEUDO) is closed


def test_every_record_of_the_scenario_maps_to_rows_of_its_tables() -> None:
    records = scenario(seed=11, rounds=12)
    seen_tables = set()
    for record in records:
        for table, row in analytics_rows(record, PSEUDO, entity="e"):
            seen_tables.add(table)
            assert len(row) == len(TABLES[table].columns), table
            assert not re.search(r"player[0-9]", repr(row)), (table, row)
    assert seen_tables == set(TABLES) - {"event_dims"}
    # norm_events only with the entity, and the payload decodes back to the event
    (bet,) = [r for r in records if isinstance(r, BetPlaced)][:1]
    assert [t for t, _ in analytics_rows(bet, PSEUDO)] == ["bets"]
    (_, norm) = analytics_rows(bet, PSEUDO, entity="bet:1")[1]
    payload = norm[TABLES["norm_events"].columns.index("payload")]
    decoded = EVENT_DECODER.decode(payload)
    assert decoded == msgspec.structs.replace(bet, player_id=PSEUDO("t1", bet.player_id))


def test_rows_are_deterministic_and_keyed_by_table() -> None:
    records = scenario(seed=12, rounds=6)
    first = [keyed_rows(r, PSEUDO) for r in records]
    again = [keyed_rows(r, Pseudonymizer(KEY)) for r in scenario(seed=12, rounds=6)]
    assert first == again
    for items in first:
        for key, (table, _) in items:
            assert key == table


def test_settlement_versions_keep_what_they_replace() -> None:
    s = BetSettlement(
        tenant_id="t",
        provider_id="p",
        category="live",
        settlement_id="t:p:b:2",
        bet_id="b",
        round_id="r",
        player_id="alice",
        currency="EUR",
        stake=100,
        state="OPEN",
        outcome=None,
        payout=0,
        version=2,
        settled_at_ms=5,
        previous_state="SETTLED",
        previous_outcome="WIN",
        previous_payout=200,
    )
    ((table, row),) = analytics_rows(s, PSEUDO)
    values = dict(zip(TABLES[table].columns, row, strict=True))
    assert values["outcome"] == "" and values["previous_outcome"] == "WIN"
    assert values["previous_payout"] == 200 and values["player"] == PSEUDO("t", "alice")


def test_other_types_are_refused_and_event_types_without_rows_give_none() -> None:
    with pytest.raises(TypeError, match="no analytics rows"):
        analytics_rows("nope", PSEUDO)  # type: ignore[arg-type]
    closed = SessionClosed(**_env(), session_id="s", player_id="bob")  # type: ignore[arg-type]
    assert analytics_rows(closed, PSEUDO) == []
    assert [t for t, _ in analytics_rows(closed, PSEUDO, entity="s")] == ["norm_events"]
    assert len(get_args(NormalizedEvent)) > 20
