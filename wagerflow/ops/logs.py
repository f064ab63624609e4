"""Structured logs: JSON lines when stderr is not a terminal (collectors parse them), readable
text when it is. The stdlib ``logging`` with python-json-logger's formatter; every record may
carry fields (``log.info("epoch", extra={"epoch": 3})``)."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter

ROOT = "wagerflow"
_TEXT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def setup(level: str = "INFO", *, stream: TextIO | None = None, json: bool | None = None) -> None:
    """Configure the ``wagerflow`` logger once per process (idempotent); ``json`` None: JSON
    unless ``stream`` is a terminal."""
    stream = stream or sys.stderr
    use_json = not stream.isatty() if json is None else json
    handler = logging.StreamHandler(stream)
    if use_json:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter(_TEXT))
    logger = logging.getLogger(ROOT)
    for old in list(logger.handlers):
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
