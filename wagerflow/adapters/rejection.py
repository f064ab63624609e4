"""A rejected raw message, before it is wrapped with its coordinates into a DLQ entry."""

from typing import NamedTuple

from wagerflow.schemas.dlq import Reason


class Rejection(NamedTuple):
    reason: Reason
    detail: str
