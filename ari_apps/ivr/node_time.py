"""``time_condition``: branch on business hours and holidays.

The time is the ``now`` given with the event being handled (never the
clock), converted into the node's IANA ``timezone``.

Config::

    {"kind": "time_condition", "timezone": "Europe/Paris",
     "hours": [{"days": "mon-fri", "from": "08:00", "to": "18:00"},
               {"days": ["sat"], "from": "09:00", "to": "12:00"}],
     "holidays": ["2026-12-25"],
     "open": "menu", "closed": "after_hours", "holiday": "holiday_msg"}

The hours grammar (``days``, ``from``, ``to``, holidays, the time zone) is
the kernel's (``hotline/business_hours.py``), shared with the business
calendars a node may name. ``holiday`` is optional (then ``closed``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Self, TypeVar
from zoneinfo import ZoneInfo

from ari_apps.ivr.commands import InputRecorded
from ari_apps.ivr.config import ConfigReader
from ari_apps.ivr.registry import Activation, NodeContext, NodeSpec, Step, register_node_kind
from hotline.business_hours import (
    HoursInvalid,
    WeeklyRange,
    parse_holidays,
    parse_hours,
    parse_timezone,
)

_T = TypeVar("_T")


def _read(config: ConfigReader, parse: Callable[[Any], _T], raw: Any) -> _T:
    """Run the kernel's hours grammar; its complaint names this node."""
    try:
        return parse(raw)
    except HoursInvalid as error:
        config.fail(str(error))


@register_node_kind("time_condition")
@dataclass(frozen=True, kw_only=True)
class TimeConditionNode(NodeSpec):
    timezone: str
    hours: tuple[WeeklyRange, ...]
    open: str
    closed: str
    holidays: frozenset[date] = frozenset()
    holiday: str | None = None

    @classmethod
    def parse(cls, config: ConfigReader) -> Self:
        timezone = _read(config, parse_timezone, config.text("timezone"))
        return cls(
            node_id=config.node_id,
            timezone=timezone,
            hours=_read(config, parse_hours, config.value("hours")),
            holidays=_read(config, parse_holidays, config.value("holidays")),
            open=config.node_ref("open"),
            closed=config.node_ref("closed"),
            holiday=config.optional_node_ref("holiday"),
        )

    def edges(self) -> Mapping[str, str]:
        edges = {"open": self.open, "closed": self.closed}
        if self.holiday is not None:
            edges["holiday"] = self.holiday
        return edges

    def branch_at(self, now: datetime) -> str:
        """Branch taken at the instant ``now``: open, closed or holiday."""
        local = now.astimezone(ZoneInfo(self.timezone))
        if local.date() in self.holidays:
            return "holiday"
        return "open" if any(weekly.contains(local) for weekly in self.hours) else "closed"

    def activate(self, context: NodeContext) -> Activation:
        return _TimeConditionActivation(self, context)


class _TimeConditionActivation(Activation):
    def __init__(self, spec: TimeConditionNode, context: NodeContext) -> None:
        self.spec = spec
        self.context = context

    def start(self) -> Step:
        branch = self.spec.branch_at(self.context.now)
        target = {"open": self.spec.open, "closed": self.spec.closed}.get(branch)
        if branch == "holiday":
            target = self.spec.holiday or self.spec.closed
        recorded = InputRecorded(self.spec.node_id, "time_condition", branch)
        return Step.go(target or self.spec.closed, recorded)
