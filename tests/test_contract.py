"""The normalized contract: round trips, schema evolution rules, the exported JSON Schema."""

from __future__ import annotations

from typing import Any, get_args

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wagerflow.commands.schema import topic_schemas
from wagerflow.pipeline.outputs import TOPIC_OF_TYPE
from wagerflow.schemas.events import (
    EVENT_DECODER,
    EVENT_ENCODER,
    SCHEMA_VERSION,
    STREAMS,
    BetPlaced,
    NormalizedEvent,
    SourceRef,
)

EVENT_TYPES: list[type[Any]] = list(get_args(NormalizedEvent))


def test_every_event_type_belongs_to_exactly_one_topic() -> None:
    members = [cls for union in STREAMS.values() for cls in (get_args(union) or (union,))]
    assert sorted(c.__name__ for c in members) == sorted(c.__name__ for c in EVENT_TYPES)
    assert set(TOPIC_OF_TYPE) == set(EVENT_TYPES)


@pytest.mark.parametrize("cls", EVENT_TYPES, ids=lambda c: c.__name__)
def test_common_fields_are_on_every_event(cls: type[Any]) -> None:
    fields = set(cls.__struct_fields__)
    assert {
        "schema_version",
        "tenant_id",
        "provider_id",
        "category",
        "event_time_ms",
        "received_time_ms",
        "dedup_key",
        "source",
    } <= fields
    hints = msgspec.structs.fields(cls)
    assert not any(f.type is float for f in hints), "no floats in the contract"


@settings(max_examples=25)
@given(st.sampled_from(EVENT_TYPES).flatmap(st.builds))
def test_any_event_round_trips_through_json(event: NormalizedEvent) -> None:
    assert EVENT_DECODER.decode(EVENT_ENCODER.encode(event)) == event


class _BetPlacedNext(msgspec.Struct, frozen=True, kw_only=True, tag_field="type", tag="bet.placed"):
    """A later revision of BetPlaced: one optional field added (same schema version)."""

    bet_id: str
    stake: int
    currency: str
    channel: str | None = None


def test_adding_an_optional_field_is_compatible_both_ways() -> None:
    old = BetPlaced(
        tenant_id="t",
        provider_id="generic",
        category="sport",
        event_time_ms=1,
        received_time_ms=2,
        dedup_key="generic:BetPlaced:b1",
        source=SourceRef(topic="raw.generic", partition=0, offset=7),
        bet_id="b1",
        idempotency_key="b1",
        selections=[],
        stake=500,
        currency="EUR",
    )
    newer = msgspec.json.decode(EVENT_ENCODER.encode(old), type=_BetPlacedNext)
    assert (newer.bet_id, newer.stake, newer.channel) == ("b1", 500, None)
    forward = msgspec.json.encode(
        _BetPlacedNext(bet_id="b2", stake=1, currency="EUR", channel="web")
    )
    merged = msgspec.json.decode(forward, type=_BetPlacedNext)
    assert merged.channel == "web"
    with pytest.raises(msgspec.ValidationError):  # required fields stay required
        EVENT_DECODER.decode(forward)


def test_json_schema_is_exported_for_every_topic_and_names_every_tag() -> None:
    schemas = topic_schemas()
    assert set(schemas) == {*STREAMS, "dlq"}
    for topic, union in STREAMS.items():
        text = msgspec.json.encode(schemas[topic]).decode()
        for cls in get_args(union) or (union,):
            assert f'"{cls.__struct_config__.tag}"' in text
        assert schemas[topic]["x-wagerflow-schema-version"] == SCHEMA_VERSION
