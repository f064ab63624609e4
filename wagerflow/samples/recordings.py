"""Where the real recorded provider messages are (``../shared/data``, never copied in)."""

from __future__ import annotations

import os
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parents[1]
BETFAIR_STREAMS = ("1.197931750", "1.197931751", "BASIC-1.132153978")


def shared_data_dir() -> Path | None:
    """``WAGERFLOW_SHARED_DATA``, else ``shared/data`` beside the checkout, if present."""
    candidates = [os.environ.get("WAGERFLOW_SHARED_DATA")]
    candidates += [
        str(_REPO_ROOT.parent / "shared" / "data"),
        str(Path.cwd().parent / "shared" / "data"),
    ]
    for c in candidates:
        if c and (Path(c) / "betfair").is_dir():
            return Path(c)
    return None


def betfair_recordings() -> list[Path]:
    """The recorded Betfair stream files, or an empty list when the recordings are absent."""
    root = shared_data_dir()
    if root is None:
        return []
    return [
        root / "betfair" / name for name in BETFAIR_STREAMS if (root / "betfair" / name).exists()
    ]


UOF_FEED_MESSAGES = (
    "odds_change-0.xml",
    "bet_settlement.xml",
    "bet_cancel.xml",
    "rollback_bet_cancel.xml",
)
"""The UOF recordings that are feed messages (``markets-0.xml`` is a market description)."""


def uof_recordings() -> list[Path]:
    """The recorded UOF feed messages (one per file), or an empty list when absent."""
    root = shared_data_dir()
    if root is None:
        return []
    return [root / "uof" / name for name in UOF_FEED_MESSAGES if (root / "uof" / name).exists()]
