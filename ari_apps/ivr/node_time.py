"""``time_condition``: branch on business hours and holidays.

The time is the ``now`` given with the event being handled (never the
clock), converted into the node's IANA ``timezone``.

Config::

    {"kind": "time_condition", "timezone": "Europe/Paris",
     "hours": [{"days": "mon-fri", "from": "08:00", "to": "18:00"},
               {"days": ["sat"], "from": "09:00", "to": "12:00"}],
     "holidays": ["2026-12-25"],
     "open": "menu", "closed": "after_hours", "holiday": "holiday_msg"}

``days`` is a day, a ``mon-fri`` range, a comma list or a JSON list of those.
``from`` is inclusive, ``to`` exclusive and may be ``24:00``; a range over
midnight is written as two ranges. ``holiday`` is optional (then ``closed``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ari_apps.ivr.commands import InputRecorded
from ari_apps.ivr.config import ConfigReader
from ari_apps.ivr.registry import Activation, NodeContext, NodeSpec, Step, register_node_kind

WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK_RE: Final = re.compile(r"([01][0-9]|2[0-4]):([0-5][0-9])")


@dataclass(frozen=True, slots=True)
class WeeklyRange:
    weekdays: frozenset[int]  # 0 = Monday, as datetime.weekday()
    start_minute: int
    end_minute: int

    def contains(self, local: datetime) -> bool:
        minute = local.hour * 60 + local.minute
        return local.weekday() in self.weekdays and self.start_minute <= minute < self.end_minute


def _parse_days(config: ConfigReader, raw: Any) -> frozenset[int]:
    parts: list[str] = []
    for item in raw if isinstance(raw, list) else [raw]:
        if not isinstance(item, str):
            config.fail("'hours': 'days' must be a string or a list of strings")
        parts.extend(part.strip().lower() for part in item.split(","))
    days: set[int] = set()
    for part in parts:
        first, _, last = part.partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            config.fail(f"'hours': {part!r} is not a weekday or weekday range")
        start, end = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        if end < start:
            config.fail(f"'hours': range {part!r} runs backwards")
        days.update(range(start, end + 1))
    return frozenset(days)


def _parse_clock(config: ConfigReader, raw: Any) -> int:
    match = _CLOCK_RE.fullmatch(raw) if isinstance(raw, str) else None
    minutes = int(match.group(1)) * 60 + int(match.group(2)) if match else -1
    if not 0 <= minutes <= 24 * 60:
        config.fail(f"'hours': {raw!r} is not a HH:MM time")
    return minutes


def _parse_hours(config: ConfigReader) -> tuple[WeeklyRange, ...]:
    raw_ranges = config.value("hours")
    if not isinstance(raw_ranges, list):
        config.fail("'hours' must be a list of {days, from, to} objects")
    ranges: list[WeeklyRange] = []
    for raw in raw_ranges:
        if not isinstance(raw, dict) or set(raw) != {"days", "from", "to"}:
            config.fail("'hours' entries must have exactly 'days', 'from' and 'to'")
        weekly = WeeklyRange(
            _parse_days(config, raw["days"]),
            _parse_clock(config, raw["from"]),
            _parse_clock(config, raw["to"]),
        )
        if weekly.start_minute >= weekly.end_minute:
            config.fail(f"'hours': {raw['from']}-{raw['to']} is empty or crosses midnight")
        ranges.append(weekly)
    return tuple(ranges)


def _parse_holidays(config: ConfigReader) -> frozenset[date]:
    raw = config.value("holidays") or []
    if not isinstance(raw, list):
        config.fail("'holidays' must be a list of YYYY-MM-DD dates")
    holidays: set[date] = set()
    for item in raw:
        try:
            holidays.add(date.fromisoformat(item))
        except (TypeError, ValueError):
            config.fail(f"'holidays': {item!r} is not a YYYY-MM-DD date")
    return frozenset(holidays)


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
        timezone = config.text("timezone")
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            config.fail(f"'timezone': {timezone!r} is not a known IANA time zone")
        return cls(
            node_id=config.node_id,
            timezone=timezone,
            hours=_parse_hours(config),
            holidays=_parse_holidays(config),
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
