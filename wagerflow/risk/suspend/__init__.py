"""Auto-suspend: market suspend / resume commands from exposure, provider health and odds.

``SuspendRules`` (``rules``) is plain picklable state (the flow snapshots it); it never reads a
clock. The caller passes ``now_ms``, the flow's time: the input's ``received_time_ms`` (an
exposure's ``as_of_ms``) or, for ``on_time``, the wall clock of a live run (or the end of a
replay). How a rule holds a market and the commands it emits: ``holds``; the thresholds:
``config``.

Determinism. Every rule reads one ordered stream: the feed of one event (odds, market and bet
stop messages, keyed by event on the raw topics), the exposures of one line or event, or the
health messages of one producer. Timers are per stream too: a stream's own next input fires its
due timers (at their deadlines) before it is applied, and ``on_time`` fires them on the wall
clock or at the end of the input. So the commands do not depend on how streams of different
partitions interleave, nor on when ``on_time`` is called (as long as it is not called with a
time past a stream's next input).

Rules, one module each:

- ``liability``: ``LIABILITY_SELECTION`` / ``LIABILITY_MARKET`` (line) and ``LIABILITY_EVENT``
  (event) from exposures over a threshold, with hysteresis.
- ``provider_health``: ``PROVIDER_DOWN`` (every market of one producer) from producer health:
  DOWN, unsubscribed or silent until the recovery snapshot after its return (with one
  ``RecoveryRequested`` per outage), or LAGGING.
- ``bet_stop``: ``PROVIDER_BET_STOP`` (event) from a bet stop or a suspended event, and
  (market) from an exchange market the exchange suspended.
- ``odds_velocity``: ``ODDS_VELOCITY`` (line) from odds moving too fast.
- ``data_lag``: ``DATA_LAG`` (event) from a feed running too far behind.
- ``tables``: ``round.liability`` from a live round's worst outcome over its table threshold, and
  ``table.suspend`` / ``table.resume`` from a live provider in error or silent (MONEY.md §4.3).

``SuspendRules`` composes every rule but ``tables`` (``TableRules``), whose commands are not
market holds. The money thresholds are each shard's ``thresholds.Thresholds`` (built-in figures from
``config``, a thresholds file, hot ``thresholds.update`` events), passed in with each input.
"""

from wagerflow.risk.suspend.config import SuspendConfig
from wagerflow.risk.suspend.holds import Command, Hold
from wagerflow.risk.suspend.rules import SuspendRules
from wagerflow.risk.suspend.tables import TableRules
from wagerflow.risk.suspend.thresholds import Thresholds, ThresholdsError, load_thresholds_file

__all__ = [
    "Command",
    "Hold",
    "SuspendConfig",
    "SuspendRules",
    "TableRules",
    "Thresholds",
    "ThresholdsError",
    "load_thresholds_file",
]
