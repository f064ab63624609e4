"""``wagerflow schema``: the JSON Schema of every normalized topic and of the DLQ."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec

from wagerflow.schemas.dlq import DlqEntry
from wagerflow.schemas.events import SCHEMA_VERSION, STREAMS
from wagerflow.topics import DLQ


def topic_schemas() -> dict[str, dict[str, Any]]:
    """``topic -> JSON Schema`` (draft 2020-12, as msgspec generates it)."""
    schemas: dict[str, dict[str, Any]] = {}
    for topic, union in {**STREAMS, DLQ: DlqEntry}.items():
        schema = msgspec.json.schema(union)
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["title"] = topic
        schema["x-wagerflow-schema-version"] = SCHEMA_VERSION
        schemas[topic] = schema
    return schemas


def write_schemas(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for topic, schema in topic_schemas().items():
        path = directory / f"{topic}.schema.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written
