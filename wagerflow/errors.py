"""The project's one error family.

Every error a user can cause (bad configuration, a service that is not running) derives from
``WagerflowError``; the CLI prints those as a single line and exits non-zero. Anything else is a
programming error and is allowed to crash loudly.
"""


class WagerflowError(Exception):
    """Base class of every error the CLI reports as one line."""


class ConfigError(WagerflowError):
    """A setting is missing or malformed."""


class ServiceUnavailable(WagerflowError):
    """A service (Kafka, Redis, ClickHouse) cannot be reached at the configured address."""

    def __init__(self, service: str, address: str, hint: str) -> None:
        super().__init__(f"{service} is not reachable at {address}: {hint}")
        self.service = service
        self.address = address
