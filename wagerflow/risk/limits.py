"""Bet limits: profiles, scoped overrides, hot updates, and the checks that flag a bet.

(Over 400 lines: the profile, scope and file rules below are one specification, kept beside the
code that implements it.)

Pure and deterministic (no clock, no I/O except ``load_limits_file``); ``LimitBook`` is plain
picklable state, snapshotted with the shard it belongs to. Acceptance happens upstream: a
violated limit produces a ``schemas.risk.LimitBreach``, nothing is refused here.

Rules:

- Money is exact integer minor units of one currency; limits of one currency never apply to
  bets or exposures of another.
- Five limits, named by ``LimitRule``: ``MAX_STAKE`` (the bet's stake); ``MAX_PAYOUT`` (its return
  if it wins, ``R = floor(S x O)``, ``wagerflow.bet_rules.bet_return``, MONEY.md §1.1);
  ``MAX_LIABILITY_SELECTION`` / ``_MARKET`` / ``_EVENT`` (the liability of the leg's selection, the
  worst case of its line, the worst case of its event, read from the ``LineExposure`` /
  ``EventExposure`` records produced right after applying the bet; a leg without a matching record
  in the bet's currency is not checked for that rule).
- A value **equal** to its limit is allowed; only a value strictly over it fires.
- One breach per violated rule: for a multi-leg bet the leg most over its limit (ties: the
  earlier leg). ``breach_id`` is ``f"{bet.dedup_key}:{rule}"``, ``version`` 1, ``as_of_ms`` the
  bet's event time, ``scope`` the scope whose limit fired.
- Profiles ``DEFAULT`` < ``VIP_A`` < ``VIP_B`` < ``Ultra``; ``choose_profile`` picks one.
- Built-in limits (``BUILTIN_LIMITS``) exist for EUR, USD (same figures) and GBP (80% of EUR).
  Any other currency has none: the book refuses to guess an exchange rate, so until an update
  sets a value for that currency no limit applies to its bets.
- Scopes, broad to specific: ``platform``, ``currency:<ISO>``, ``country:<ISO 3166>``,
  ``sport:<id>``, ``competition:<id>``, ``event:<id>`` or ``table:<id>``,
  ``market:<event_id>/<line_id>``, ``player:<id>``. A bet is subject to platform, its currency,
  its player's country (from the ``Directory``), for every leg the sport and competition of its
  event (from the ``Directory``; unknown -> those scopes do not apply), the event and the market
  line, a live bet's table, and its player. Limits are kept per (profile, scope, currency).
- The profile (MONEY.md §4.3, for sports and live bets alike): the bet's own ``limits_profile``,
  else the player's directory entry's, lowered by ``choose_profile`` (country, currency, KYC).
- A live bet (``round_id`` set) has no exposure records to read: it is checked for
  ``MAX_STAKE`` and ``MAX_PAYOUT``, its payout being its largest return over the round's
  outcomes as the round book prices its spots (``wagerflow.risk.rounds.spot_returns``).
- Most restrictive wins: a limit's effective value is the **minimum** over the applicable scopes
  that set it; on a tie the most specific scope is the one reported. ``platform`` holds the
  built-in default until an update sets it (an update replaces it, up or down); every other
  scope can only tighten.
- Updates (``apply_update``) set the given limits of (profile, scope, currency); ``None`` leaves
  a limit unchanged. They take effect for the bets checked after them. A ``LimitsUpdated`` event
  has one ``max_liability``: it sets all three liability limits. Amounts need a currency; a
  ``currency:<ISO>`` scope needs that same currency. An update naming an unknown profile, a
  malformed scope, a negative amount, or amounts without currency raises ``LimitsError``
  (the flow routes it to the DLQ); an update with no amounts changes nothing.

Limits file (``wagerflow replay --limits FILE``, ``load_limits_file``, ``LimitBook.from_file``):
a JSON list of objects, applied in order, each::

    {"profile": "VIP_A", "scope": "event:sr:match:1", "currency": "EUR",
     "maxStake": "100.00", "maxPayout": "5000", "maxLiability": "20000.00",
     "maxLiabilitySelection": "...", "maxLiabilityMarket": "...", "maxLiabilityEvent": "..."}

``profile``, ``scope`` and ``currency`` are required, and at least one amount. Amounts are
decimal *strings* in major units, converted exactly with ``wagerflow.money.exact_minor``
(``"5.001"`` EUR is refused, never rounded). ``maxLiability`` sets the three liability limits;
a specific ``maxLiability*`` key in the same entry overrides it. Unknown keys are refused (a
misspelt limit must not pass silently). Any bad entry raises ``LimitsFileError`` naming it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import msgspec

from wagerflow.bet_rules import bet_return
from wagerflow.errors import WagerflowError
from wagerflow.money import InexactAmount, currency_exponent, exact_minor
from wagerflow.risk.directory import Directory, EventEntries, Player, PlayerEntries
from wagerflow.risk.rounds import bet_type, game_kind, split_stake, spot_returns
from wagerflow.schemas.events import BetPlaced, BetSelection, LimitsUpdated, PlayerUpdated
from wagerflow.schemas.risk import EventExposure, LimitBreach, LimitRule, LineExposure

PROFILES: Final = ("DEFAULT", "VIP_A", "VIP_B", "Ultra")
"""Least to most generous."""
RULES: Final[tuple[LimitRule, ...]] = (
    "MAX_STAKE",
    "MAX_PAYOUT",
    "MAX_LIABILITY_SELECTION",
    "MAX_LIABILITY_MARKET",
    "MAX_LIABILITY_EVENT",
)
_RANK: Final = {p: i for i, p in enumerate(PROFILES)}

PlayerDirectory = PlayerEntries
"""player_id -> (country: ISO 3166-1 alpha-2, KYC status[, requested profile])."""
EventDirectory = EventEntries
"""event_id -> (sport_id, competition_id)."""

# Major units of EUR, in RULES order: stake, payout, selection, market, event liability.
_EUR_MAJOR: Final = {
    "DEFAULT": (50, 25_000, 50_000, 100_000, 250_000),
    "VIP_A": (500, 250_000, 500_000, 1_000_000, 2_500_000),
    "VIP_B": (2_000, 1_000_000, 2_000_000, 4_000_000, 10_000_000),
    "Ultra": (10_000, 5_000_000, 10_000_000, 20_000_000, 50_000_000),
}
_RATES: Final = {"EUR": (1, 1), "USD": (1, 1), "GBP": (4, 5)}  # exact ratios to EUR
BUILTIN_LIMITS: Final[dict[tuple[str, str], dict[LimitRule, int]]] = {
    (profile, cur): {
        rule: major * 10 ** currency_exponent(cur) * num // den
        for rule, major in zip(RULES, row, strict=True)
    }
    for profile, row in _EUR_MAJOR.items()
    for cur, (num, den) in _RATES.items()
}
"""(profile, currency) -> rule -> minor units: the ``platform`` value until an update sets it."""

KYC_CEILING: Final = {"VERIFIED": "VIP_B", "ENHANCED": "Ultra"}
"""KYC status (case-insensitive) -> the most generous profile it allows; any other -> DEFAULT."""
UNKNOWN_COUNTRY_CEILING: Final = "VIP_A"
UNCALIBRATED_CURRENCY_CEILING: Final = "VIP_B"


def choose_profile(
    country: str | None,
    currency: str,
    kyc: str | None,
    requested: str | None,
    *,
    country_caps: Mapping[str, str] | None = None,
) -> str:
    """The profile a bet is checked under.

    - No request, or a name that is not one of ``PROFILES`` (exact case) -> ``DEFAULT``.
    - Otherwise the request, lowered to the most generous profile every ceiling allows:
      KYC (``KYC_CEILING``; unverified, unknown or missing KYC -> ``DEFAULT``); an unknown country
      -> ``VIP_A``; ``country_caps`` (upper-case country -> ceiling), when given; a currency
      without built-in limits -> ``VIP_B`` (``Ultra`` only where the book has calibrated figures).
    """
    if requested not in _RANK:
        return "DEFAULT"
    ceilings = [KYC_CEILING.get(kyc.upper(), "DEFAULT") if kyc else "DEFAULT"]
    if country is None:
        ceilings.append(UNKNOWN_COUNTRY_CEILING)
    elif country_caps and country.upper() in country_caps:
        ceilings.append(country_caps[country.upper()])
    if currency.upper() not in _RATES:
        ceilings.append(UNCALIBRATED_CURRENCY_CEILING)
    cap = min(_RANK.get(c, 0) for c in ceilings)
    return PROFILES[min(_RANK[requested], cap)]


class LimitsError(WagerflowError, ValueError):
    """A limits update that cannot be applied."""


class LimitsFileError(LimitsError):
    """A limits file that cannot be read; ``index`` and ``entry`` name the offending entry."""

    def __init__(self, path: str, index: int | None, entry: object, reason: str) -> None:
        where = f"{path}: " if index is None else f"{path}: entry {index} {entry!r}: "
        super().__init__(where + reason)
        self.path = path
        self.index = index
        self.entry = entry


class LimitUpdate(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Set the given limits (minor units) of (profile, scope, currency); None: unchanged."""

    profile: str
    scope: str
    currency: str | None = None
    max_stake: int | None = None
    max_payout: int | None = None
    max_liability_selection: int | None = None
    max_liability_market: int | None = None
    max_liability_event: int | None = None

    @classmethod
    def from_event(cls, event: LimitsUpdated) -> LimitUpdate:
        """The contract's single ``max_liability`` sets all three liability limits."""
        return cls(
            profile=event.profile,
            scope=event.scope,
            currency=event.currency,
            max_stake=event.max_stake,
            max_payout=event.max_payout,
            max_liability_selection=event.max_liability,
            max_liability_market=event.max_liability,
            max_liability_event=event.max_liability,
        )

    def values(self) -> dict[LimitRule, int]:
        """The limits this update sets, by rule."""
        given = (
            self.max_stake,
            self.max_payout,
            self.max_liability_selection,
            self.max_liability_market,
            self.max_liability_event,
        )
        return {rule: v for rule, v in zip(RULES, given, strict=True) if v is not None}


_SCOPE = re.compile(
    r"platform|currency:[A-Z]{3}|(?:country|sport|competition|event|table|player):.+"
    r"|market:[^/]+/.+"
)
_CURRENCY = re.compile(r"[A-Z]{3}")


def _problem(update: LimitUpdate) -> str | None:
    cur, scope, values = update.currency, update.scope, update.values()
    if update.profile not in _RANK:
        return f"unknown limits profile {update.profile!r}; expected one of {PROFILES}"
    if not _SCOPE.fullmatch(scope):
        return f"malformed limits scope {scope!r}"
    if cur is not None and not _CURRENCY.fullmatch(cur):
        return f"malformed currency {cur!r}"
    if scope.startswith("currency:") and cur not in (None, scope[9:]):
        return f"scope {scope!r} with currency {cur!r}"
    if values and cur is None:
        return f"limits for {update.profile}/{scope} need a currency"
    if any(v < 0 for v in values.values()):
        return f"negative limit in {update!r}"
    return None


def live_bet_return(bet: BetPlaced) -> int:
    """A live bet's largest return (stake included) over its round's outcomes: its spots priced
    as the round book prices them, its stake split over them the same way."""
    types = [bet_type(s.market_id) for s in bet.selections]
    kind = game_kind(types)
    per_outcome: dict[str, int] = {}
    shares = split_stake(bet.stake, len(types))
    for kind_of_spot, sel, share in zip(types, bet.selections, shares, strict=True):
        spot = (kind_of_spot, sel.selection_id, share)
        for outcome, value in spot_returns(kind, spot, bet.accepted_odds).items():
            per_outcome[outcome] = per_outcome.get(outcome, 0) + value
    return max(per_outcome.values(), default=0)


def validate_update(update: LimitUpdate) -> None:
    """Raise ``LimitsError`` unless ``update`` can be applied (see the module rules)."""
    if (problem := _problem(update)) is not None:
        raise LimitsError(problem)


class _FileEntry(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", forbid_unknown_fields=True
):
    profile: str
    scope: str
    currency: str
    max_stake: str | None = None
    max_payout: str | None = None
    max_liability: str | None = None
    max_liability_selection: str | None = None
    max_liability_market: str | None = None
    max_liability_event: str | None = None


def _file_update(entry: _FileEntry) -> LimitUpdate:
    def minor(amount: str | None) -> int | None:
        return None if amount is None else exact_minor(amount, entry.currency)

    def liability(specific: str | None) -> int | None:
        return minor(entry.max_liability if specific is None else specific)

    update = LimitUpdate(
        profile=entry.profile,
        scope=entry.scope,
        currency=entry.currency,
        max_stake=minor(entry.max_stake),
        max_payout=minor(entry.max_payout),
        max_liability_selection=liability(entry.max_liability_selection),
        max_liability_market=liability(entry.max_liability_market),
        max_liability_event=liability(entry.max_liability_event),
    )
    if not update.values():
        raise LimitsError("sets no limit")
    validate_update(update)
    return update


def load_limits_file(path: str | Path) -> list[LimitUpdate]:
    """The updates of a limits file (format in the module docstring), in file order."""
    name = str(path)
    try:
        raw: Any = msgspec.json.decode(Path(path).read_bytes())
    except (OSError, msgspec.DecodeError) as exc:
        raise LimitsFileError(name, None, None, str(exc)) from exc
    if not isinstance(raw, list):
        raise LimitsFileError(name, None, None, "expected a JSON list of limit entries")
    updates = []
    for index, item in enumerate(raw):
        try:
            updates.append(_file_update(msgspec.convert(item, _FileEntry)))
        except (msgspec.ValidationError, InexactAmount, LimitsError) as exc:
            raise LimitsFileError(name, index, item, str(exc)) from exc
    return updates


class LimitBook:
    """Limits by (profile, scope, currency) and the checks of bets against them.

    ``players`` and ``events`` seed its ``Directory`` (copied; may be empty), which then learns
    from the feeds (``update_player``, ``learn_event``): the contract's bets do not carry a
    player's country and KYC status, nor an event's sport and competition. ``country_caps`` as
    in ``choose_profile``.
    """

    def __init__(
        self,
        players: PlayerDirectory | None = None,
        events: EventDirectory | None = None,
        country_caps: Mapping[str, str] | None = None,
    ) -> None:
        self.directory = Directory(players, events)
        self._caps = {c.upper(): p for c, p in (country_caps or {}).items()}
        if bad := [p for p in self._caps.values() if p not in _RANK]:
            msg = f"unknown profiles in country_caps: {bad}"
            raise LimitsError(msg)
        self._set: dict[tuple[str, str, str], dict[LimitRule, int]] = {}

    @classmethod
    def from_file(
        cls,
        path: str | Path,
        players: PlayerDirectory | None = None,
        events: EventDirectory | None = None,
        country_caps: Mapping[str, str] | None = None,
    ) -> LimitBook:
        """A book with the built-in limits and a limits file applied on top."""
        book = cls(players, events, country_caps)
        for update in load_limits_file(path):
            book.apply_update(update)
        return book

    def apply_update(self, update: LimitsUpdated | LimitUpdate) -> None:
        """Set limits of (profile, scope, currency), effective for the bets checked next."""
        if isinstance(update, LimitsUpdated):
            update = LimitUpdate.from_event(update)
        validate_update(update)
        values = update.values()
        if values and update.currency is not None:
            key = (update.profile, update.scope, update.currency)
            self._set.setdefault(key, {}).update(values)

    def update_player(self, event: PlayerUpdated) -> None:
        """A player directory update: effective for the bets checked next."""
        entry = Player(event.country, event.kyc_status, event.limits_profile)
        self.directory.update_player(event.player_id, entry)

    def learn_event(self, event_id: str, sport: str | None, competition: str | None) -> None:
        self.directory.learn_event(event_id, sport, competition)

    def profile_for(self, bet: BetPlaced) -> str:
        """``choose_profile`` with the bet's requested profile, else the player's, and the
        player's directory entry (unknown: no country, no KYC)."""
        country, kyc, requested = self.directory.player(bet.player_id)
        return choose_profile(
            country, bet.currency, kyc, bet.limits_profile or requested, country_caps=self._caps
        )

    def scopes_for(
        self,
        bet: BetPlaced,
        legs: Sequence[BetSelection] | None = None,
        table: str | None = None,
    ) -> list[str]:
        """The scopes a bet (or some of its legs) is subject to, broad to specific; ``table``
        the live bet's table when the caller knows it better than the bet."""
        levels: list[list[str]] = [["platform", f"currency:{bet.currency}"], [], [], [], [], []]
        country = self.directory.player(bet.player_id).country
        if country:
            levels[0].append(f"country:{country}")
        for leg in bet.selections if legs is None else legs:
            if leg.event_id is None:
                continue
            sport, competition = self.directory.event(leg.event_id)
            if sport:
                levels[1].append(f"sport:{sport}")
            if competition:
                levels[2].append(f"competition:{competition}")
            levels[3].append(f"event:{leg.event_id}")
            if leg.line_id is not None:
                levels[4].append(f"market:{leg.event_id}/{leg.line_id}")
        if table := table or bet.table_id:
            levels[3].append(f"table:{table}")
        if bet.player_id:
            levels[5].append(f"player:{bet.player_id}")
        return list(dict.fromkeys(s for level in levels for s in level))

    def limit_for(
        self, profile: str, currency: str, scopes: Sequence[str], rule: LimitRule
    ) -> tuple[int, str] | None:
        """(effective limit, the scope that set it) over ``scopes``, or None: no limit."""
        best: tuple[int, str] | None = None
        for scope in scopes:
            value = self._set.get((profile, scope, currency), {}).get(rule)
            if value is None and scope == "platform":
                value = BUILTIN_LIMITS.get((profile, currency), {}).get(rule)
            if value is not None and (best is None or value <= best[0]):
                best = (value, scope)  # `<=`: a tie goes to the more specific scope
        return best

    def check(
        self,
        bet: BetPlaced,
        exposures: Sequence[LineExposure | EventExposure],
        table: str | None = None,
    ) -> list[LimitBreach]:
        """The breaches of ``bet``, in ``RULES`` order; ``exposures`` as after applying it;
        ``table`` a live bet's table (``scopes_for``)."""
        profile = self.profile_for(bet)
        found: dict[LimitRule, tuple[int, int, str]] = {}  # rule -> value, limit, scope

        def over(rule: LimitRule, value: int, scopes: Sequence[str]) -> None:
            hit = self.limit_for(profile, bet.currency, scopes, rule)
            if hit is None or value <= hit[0]:
                return
            held = found.get(rule)
            if held is None or value - hit[0] > held[0] - held[1]:
                found[rule] = (value, hit[0], hit[1])

        everywhere = self.scopes_for(bet, table=table)
        over("MAX_STAKE", bet.stake, everywhere)
        payout = bet_return(bet) if bet.round_id is None else live_bet_return(bet)
        over("MAX_PAYOUT", payout, everywhere)
        for leg in bet.selections:
            if leg.event_id is None:
                continue
            scopes = self.scopes_for(bet, [leg])
            lines = [
                x
                for x in exposures
                if isinstance(x, LineExposure)
                and (x.event_id, x.line_id, x.currency) == (leg.event_id, leg.line_id, bet.currency)
            ]
            liabilities = [
                s.liability
                for x in lines
                for s in x.selections
                if s.selection_id == leg.selection_id
            ]
            if liabilities:
                over("MAX_LIABILITY_SELECTION", max(liabilities), scopes)
            if lines:
                over("MAX_LIABILITY_MARKET", max(x.worst_case for x in lines), scopes)
            events = [
                x.worst_case
                for x in exposures
                if isinstance(x, EventExposure)
                and (x.event_id, x.currency) == (leg.event_id, bet.currency)
            ]
            if events:
                over("MAX_LIABILITY_EVENT", max(events), scopes)
        return [
            LimitBreach(
                tenant_id=bet.tenant_id,
                version=1,
                as_of_ms=bet.event_time_ms,
                breach_id=f"{bet.dedup_key}:{rule}",
                bet_id=bet.bet_id,
                player_id=bet.player_id,
                profile=profile,
                rule=rule,
                scope=found[rule][2],
                limit=found[rule][1],
                value=found[rule][0],
                currency=bet.currency,
            )
            for rule in RULES
            if rule in found
        ]
