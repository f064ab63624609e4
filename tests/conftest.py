"""Shared fixtures: real Kafka and Redis for the session, and the recorded provider data.

In CI (``CI=true``) a service that cannot start, or recordings that are missing, fail the run;
elsewhere the tests that need them skip with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from wagerflow.devenv import services
from wagerflow.errors import WagerflowError
from wagerflow.samples import recordings

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# Property tests share the machine with Kafka, Redis and flow processes: a slow example is load,
# not a bug, so no per-example deadline (the assertions still run on every example).
settings.register_profile("wagerflow", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("wagerflow")


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI requires it: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    root = recordings.shared_data_dir()
    if root is None:
        _unavailable("the recorded provider data (../shared/data) is not present")
    assert root is not None
    return root


@pytest.fixture(scope="session")
def betfair_recordings(shared_data: Path) -> dict[str, Path]:
    return {p.name: p for p in recordings.betfair_recordings()}


@pytest.fixture(scope="session")
def dev_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[services.DevServices]:
    """A real Kafka broker and a real redis-server for the whole test session."""
    home = tmp_path_factory.mktemp("services")
    try:
        started = services.up(home)
    except WagerflowError as exc:
        services.down(home)
        _unavailable(f"local services could not start: {exc}")
        raise
    yield started
    services.down(home)


@pytest.fixture
def chromium() -> Iterator[Any]:
    """A real headless Chromium (selenium ``webdriver.Chrome``), quit after the test."""
    from tests import browser

    reason = browser.missing()
    if reason is not None:
        _unavailable(reason)
    driver = browser.chrome()
    yield driver
    driver.quit()
