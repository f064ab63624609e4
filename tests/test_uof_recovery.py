"""MONEY.md §3.3, UOF producer recovery, from raw UOF messages through the adapter to the suspend
rules, against an oracle written from the rule (go-uof-sdk ``pipe/recovery.go``, Sportradar UOF):

- a producer is down on ``product_down``, on ``alive subscribed="0"`` and when no ``alive``
  arrives for 20 s; only its own markets are suspended;
- it returns on an ``alive subscribed="1"``; its markets resume on the first
  ``snapshot_complete`` after the return, never on the ``alive``;
- each outage asks for exactly one recovery, with the timestamp of the last ``alive
  subscribed="1"`` before it.

The oracle is declarative: a producer is suspended at a point iff it had a down signal and,
after its *last* down signal, there is no return followed by a snapshot. Outages are the maximal
runs of suspended points.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wagerflow.adapters.base import RawMeta
from wagerflow.adapters.uof_events import decode
from wagerflow.risk.outputs import risk_record
from wagerflow.risk.suspend import Command, SuspendConfig, SuspendRules
from wagerflow.schemas.events import ProviderHealth, SourceRef
from wagerflow.schemas.risk import RISK_DECODER, MarketResume, MarketSuspend, RecoveryRequested
from wagerflow.topics import MARKET_CONTROL, Topics

TENANT = "t1"
PRODUCERS = ("1", "3", "4")
TIMEOUT = 20_000  # MONEY.md §3.3: no alive for 20 s
KINDS = ("alive", "unsubscribed", "product_down", "snapshot_complete")
END = 10**13


@dataclass(frozen=True)
class Msg:
    at: int
    producer: str
    kind: str

    def xml(self) -> bytes:
        p, t = self.producer, self.at
        match self.kind:
            case "alive":
                return f'<alive product="{p}" timestamp="{t}" subscribed="1"/>'.encode()
            case "unsubscribed":
                return f'<alive product="{p}" timestamp="{t}" subscribed="0"/>'.encode()
            case "product_down":
                return f'<product_down product="{p}" timestamp="{t}"/>'.encode()
            case _:
                return f'<snapshot_complete product="{p}" timestamp="{t}" request_id="9"/>'.encode()


def health(msg: Msg, offset: int) -> ProviderHealth:
    meta = RawMeta(TENANT, SourceRef(topic="raw.uof", partition=0, offset=offset), None)
    result = decode(msg.xml(), meta)
    assert isinstance(result, list)
    (candidate,) = result
    assert isinstance(candidate.event, ProviderHealth)
    return candidate.event


# --- the oracle ---------------------------------------------------------------------------------

Signal = tuple[int, int, str]  # (time, order at that time: silence 0 before a message 1, kind)


def signals(msgs: list[Msg], producer: str, upto: int) -> list[Signal]:
    """The producer's messages and silences (20 s after an alive with no alive in between) at
    or before ``upto``, in order."""
    mine = [m for m in msgs if m.producer == producer]
    alives = [m.at for m in mine if m.kind in ("alive", "unsubscribed")]
    out: list[Signal] = [(m.at, 1, m.kind) for m in mine if m.at <= upto]
    for i, a in enumerate(alives):
        following = alives[i + 1] if i + 1 < len(alives) else None
        if (following is None or following >= a + TIMEOUT) and a + TIMEOUT <= upto:
            out.append((a + TIMEOUT, 0, "silence"))
    return sorted(out)


DOWN_SIGNALS = ("unsubscribed", "product_down", "silence")


def suspended_after(history: list[Signal]) -> bool:
    downs = [i for i, s in enumerate(history) if s[2] in DOWN_SIGNALS]
    if not downs:
        return False
    returned = False
    for _, _, kind in history[downs[-1] + 1 :]:
        if kind == "alive":
            returned = True
        elif kind == "snapshot_complete" and returned:
            return False
    return True


def expected_outages(msgs: list[Msg], producer: str) -> list[tuple[int, int | None, int | None]]:
    """``(start, last alive subscribed before it, end or None)`` of each outage."""
    history = signals(msgs, producer, END)
    out: list[tuple[int, int | None, int | None]] = []
    down = False
    for n, (at, _, _) in enumerate(history):
        now = suspended_after(history[: n + 1])
        if now and not down:
            before = [t for t, _, k in history[:n] if k == "alive"]
            out.append((at, before[-1] if before else None, None))
        elif down and not now:
            start, last, _ = out[-1]
            out[-1] = (start, last, at)
        down = now
    return out


# --- the property -------------------------------------------------------------------------------

steps = st.lists(
    st.tuples(
        st.sampled_from(PRODUCERS),
        st.sampled_from(KINDS),
        st.one_of(st.integers(1, 12_000), st.integers(12_000, 45_000)),
    ),
    max_size=60,
)


def timeline(draw: list[tuple[str, str, int]]) -> list[Msg]:
    at, out = 1_000_000, []
    for producer, kind, gap in draw:
        at += gap
        out.append(Msg(at, producer, kind))
    return out


def held_producers(rules: SuspendRules) -> set[str]:
    return {str(h.producer) for h in rules.held() if h.rule == "PROVIDER_DOWN"}


@settings(max_examples=300)
@given(steps.map(timeline))
def test_a_producer_suspends_its_markets_until_the_snapshot_after_its_return(
    msgs: list[Msg],
) -> None:
    rules = SuspendRules(SuspendConfig())
    commands: list[Command] = []
    for n, msg in enumerate(msgs):
        commands += rules.on_time(msg.at)
        commands += rules.apply(health(msg, n), msg.at)
        expected = {p for p in PRODUCERS if suspended_after(signals(msgs, p, msg.at))}
        assert held_producers(rules) == expected, (msg, commands)
    commands += rules.on_time(END)
    assert held_producers(rules) == {p for p in PRODUCERS if suspended_after(signals(msgs, p, END))}

    for producer in PRODUCERS:
        got: list[tuple[str, int, int | None]] = []
        for c in commands:
            if c.producer != producer:
                continue
            assert c.provider_id == "uof"
            if isinstance(c, RecoveryRequested):
                got.append(("recovery", c.as_of_ms, c.last_alive_ms))
            else:
                assert (c.rule, c.event_id, c.line_id) == ("PROVIDER_DOWN", "*", None)
                kind = "suspend" if isinstance(c, MarketSuspend) else "resume"
                assert isinstance(c, MarketSuspend | MarketResume)
                got.append((kind, c.as_of_ms, None))
        want: list[tuple[str, int, int | None]] = []
        for start, last_alive, end in expected_outages(msgs, producer):
            want += [("suspend", start, None), ("recovery", start, last_alive)]
            if end is not None:
                want.append(("resume", end, None))
        assert got == want


@settings(max_examples=100)
@given(steps.map(timeline))
def test_recovery_commands_are_deterministic_and_a_replay_adds_none(msgs: list[Msg]) -> None:
    """The same health stream gives the same command ids (whenever ``on_time`` runs); a second
    delivery of each message emits nothing."""
    ticked, plain, twice = (SuspendRules(SuspendConfig()) for _ in range(3))
    first: list[Command] = []
    second: list[Command] = []
    for n, msg in enumerate(msgs):
        event = health(msg, n)
        first += ticked.on_time(msg.at) + ticked.apply(event, msg.at)
        second += plain.apply(event, msg.at)
        twice.apply(event, msg.at)
        assert twice.apply(event, msg.at) == []
    first += ticked.on_time(END)
    second += plain.on_time(END)
    assert sorted(c.command_id for c in first) == sorted(c.command_id for c in second)
    ids = [c.command_id for c in first if isinstance(c, RecoveryRequested)]
    assert len(ids) == len(set(ids))


# --- the producer through normalization, the command on market.control --------------------------

PRODUCT_MESSAGES = (
    b'<odds_change event_id="sr:match:1" product="3" timestamp="5"><odds>'
    b'<market id="1"><outcome id="1" odds="2.5"/></market></odds></odds_change>',
    b'<bet_stop event_id="sr:match:1" product="3" timestamp="5" groups="all"/>',
    b'<bet_settlement event_id="sr:match:1" product="3" timestamp="5" certainty="2"><outcomes>'
    b'<market id="1"><outcome id="1" result="1"/><outcome id="2" result="-1"/></market>'
    b"</outcomes></bet_settlement>",
    b'<bet_cancel event_id="sr:match:1" product="3" timestamp="5"><market id="1"/></bet_cancel>',
    b'<rollback_bet_settlement event_id="sr:match:1" product="3" timestamp="5">'
    b'<market id="1"/></rollback_bet_settlement>',
    b'<rollback_bet_cancel event_id="sr:match:1" product="3" timestamp="5">'
    b'<market id="1"/></rollback_bet_cancel>',
    b'<fixture_change event_id="sr:match:1" product="3" timestamp="5"/>',
    b'<alive product="3" timestamp="5" subscribed="1"/>',
    b'<snapshot_complete product="3" timestamp="5" request_id="1"/>',
    b'<product_down product="3" timestamp="5"/>',
)


@pytest.mark.parametrize("raw", PRODUCT_MESSAGES, ids=lambda r: r.split(b" ")[0][1:].decode())
def test_every_normalized_uof_event_names_its_producer(raw: bytes) -> None:
    meta = RawMeta(TENANT, SourceRef(topic="raw.uof", partition=0, offset=1), None)
    result = decode(raw, meta)
    assert isinstance(result, list) and result
    assert {getattr(c.event, "producer", None) for c in result} == {"3"}


def test_a_recovery_request_goes_to_market_control_on_its_producers_key() -> None:
    rules = SuspendRules(SuspendConfig())
    rules.apply(health(Msg(1_000, "3", "alive"), 0), 1_000)
    suspend, request = rules.apply(health(Msg(2_000, "3", "product_down"), 1), 2_000)
    assert isinstance(request, RecoveryRequested)
    assert request.command_id == f"RECOVERY:{TENANT}:uof/3:request:2000"
    assert (request.last_alive_ms, request.version) == (1_000, 1)
    topics = Topics()
    routed = [risk_record(c, topics) for c in (suspend, request)]
    assert {r.topic for r in routed} == {topics.name(MARKET_CONTROL)}
    assert routed[0].key == routed[1].key == f"{TENANT}:provider:uof/3".encode()
    assert RISK_DECODER.decode(routed[1].value) == request
