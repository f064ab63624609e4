"""Market-control command identity, shared by the suspend rules and the traders' manual commands.

A command's id is deterministic: ``{rule}:{tenant}:{scope}:{line or '*'}:{action}:{at_ms}``,
where ``scope`` is the event id, or ``{provider}/{producer}`` for a provider-wide command. The
same input (an exposure, a timer, a trader's click at a given millisecond) always gives the same
id, so a replay or a resent click is recognised downstream.

A *hold* is what a rule suspends: ``{rule}:{scope}:{line or '*'}`` within a tenant. A suspend
and the resume that ends it share the hold id; the current suspensions are the holds whose latest
command is a suspend.

Manual commands (rule ``MANUAL``) carry the trader's name; their ``version`` is the click time in
epoch ms, so a later click on the same market supersedes an earlier one and a resent click
changes nothing.
"""

from __future__ import annotations

from typing import Literal

from wagerflow.schemas.risk import MarketCommand, MarketResume, MarketSuspend, SuspendRule

Action = Literal["suspend", "resume"]


def scope_of(event_id: str, provider_id: str | None, producer: str | None) -> str:
    return event_id if provider_id is None else f"{provider_id}/{producer}"


def command_id(
    rule: SuspendRule, tenant: str, scope: str, line_id: str | None, action: Action, at_ms: int
) -> str:
    return f"{rule}:{tenant}:{scope}:{line_id or '*'}:{action}:{at_ms}"


def hold_id(command: MarketCommand) -> str:
    """The market and rule a command suspends or resumes, within its tenant."""
    scope = scope_of(command.event_id, command.provider_id, command.producer)
    return f"{command.rule}:{scope}:{command.line_id or '*'}"


def manual_command(
    action: Action,
    *,
    tenant: str,
    event_id: str,
    line_id: str | None,
    trader: str,
    reason: str,
    at_ms: int,
) -> MarketSuspend | MarketResume:
    """A trader's suspend or resume of a market line (or a whole event: ``line_id`` None)."""
    if not trader.strip():
        raise ValueError("a manual command needs the trader's name")
    if not event_id or event_id == "*":
        raise ValueError("a manual command names one event")
    kind = MarketSuspend if action == "suspend" else MarketResume
    return kind(
        tenant_id=tenant,
        version=at_ms,
        as_of_ms=at_ms,
        command_id=command_id("MANUAL", tenant, event_id, line_id, action, at_ms),
        event_id=event_id,
        line_id=line_id or None,
        rule="MANUAL",
        reason=reason or f"manual {action}",
        values={},
        trader=trader,
    )
