"""An agent campaign's pacer, fed by the dialer and the ACD's live state.

``pacing.Pacer`` decides how many calls to dial from events; this keeps one
per running progressive or predictive campaign and turns what the dialer
and the ACD see into those events:

- agents: each tick, the queue's ready agents with a registered phone
  (``AgentReady``/``AgentAway`` for the changes) and the agents connected to
  one of the campaign's calls (``CallConnected``, once per call);
- calls: ``HumanAnswered``, ``MachineAnswered``, ``CallNotAnswered``,
  ``CallAbandoned``, ``CallEnded``, ``MachineCallEnded`` as the dialer
  learns them, with the ring time from the dial;
- the compliance figure (the abandon rate over 30 days, from the stored
  attempts) now and then.

The pacer counts a call from its ``Dial``; the dialer places what it can at
the next tick and reports the rest (``CallsNotPlaced``), so the counts
never drift.  Time is ``time.monotonic()``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from ari_apps.campaigns import core, pacing
from hotline.models_campaigns import Campaign

# How often the 30-day abandon rate is read back from the attempts.
COMPLIANCE_EVERY_S: Final = 60.0


@dataclass(frozen=True, slots=True)
class QueueSnapshot:
    """What the ACD says of a campaign's queue now."""

    ready: frozenset[str]  # ready agents with a registered phone
    connected: Mapping[str, str]  # call id -> agent, for every connected call
    waiting: int


def config_of(campaign: Campaign) -> pacing.PacingConfig:
    mode = pacing.PREDICTIVE if campaign.kind == "predictive" else pacing.PROGRESSIVE
    return pacing.PacingConfig(
        mode=mode,
        ratio=min(max(campaign.dial_ratio, 0.1), 20.0),
        abandon_cap_pct=max(campaign.abandon_cap_pct, 0.1),
        max_concurrent=campaign.max_concurrent,
        calls_per_second=max(campaign.calls_per_second, 0.1),
        ring_timeout_s=max(float(campaign.ring_timeout_s), pacing.MIN_RING_TIMEOUT_S),
    )


@dataclass
class CampaignPacing:
    campaign_id: int
    pacer: pacing.Pacer
    ready: frozenset[str] = frozenset()
    connected: dict[str, str] = field(default_factory=dict)  # our call -> agent
    waiting_for_agent: set[str] = field(default_factory=set)  # handed to the queue
    to_place: int = 0  # dialled by the pacer, not yet placed
    compliance_at: float = 0.0

    @classmethod
    def of(cls, campaign: Campaign) -> CampaignPacing:
        return cls(campaign.id, pacing.Pacer(config_of(campaign)))

    @staticmethod
    def now() -> float:
        return time.monotonic()

    def feed(self, event: pacing.Event) -> None:
        self._take(self.pacer.handle(event))

    def _take(self, commands: Iterable[pacing.Command]) -> None:
        for command in commands:
            if isinstance(command, pacing.Dial):
                self.to_place += command.count

    def observe(self, snapshot: QueueSnapshot, our_calls: Iterable[str]) -> None:
        """One tick's view of the queue: agents who came and went, and our
        calls that met their agent since the last tick."""
        now = self.now()
        ours = set(our_calls)
        for call_id, agent in snapshot.connected.items():
            if call_id in ours and call_id not in self.connected:
                self.connected[call_id] = agent
                self.feed(pacing.CallConnected(now, agent))
        busy_with_us = set(self.connected.values())
        for agent in sorted(snapshot.ready - self.ready):
            self.feed(pacing.AgentReady(now, agent))
        for agent in sorted(self.ready - snapshot.ready - busy_with_us):
            self.feed(pacing.AgentAway(now, agent))
        self.ready = snapshot.ready
        self.feed(pacing.Tick(now))

    def due_compliance(self) -> bool:
        return self.now() - self.compliance_at >= COMPLIANCE_EVERY_S

    def compliance(self, abandon_pct: float | None) -> None:
        self.compliance_at = self.now()
        if abandon_pct is not None:
            self.feed(pacing.ComplianceFigure(self.compliance_at, abandon_pct))

    def take_dials(self) -> int:
        wanted, self.to_place = self.to_place, 0
        return wanted

    def not_placed(self, count: int) -> None:
        if count > 0:
            self.feed(pacing.CallsNotPlaced(self.now(), count))

    # -- a call's steps, as the dialer learns them ---------------------------------
    def answered(self, call_id: str, outcome: str, ring_s: float) -> None:
        now = self.now()
        if outcome == core.MACHINE:
            self.feed(pacing.MachineAnswered(now, ring_s))
        else:
            self.waiting_for_agent.add(call_id)
            self.feed(pacing.HumanAnswered(now, ring_s))

    def ended(self, call_id: str, outcome: str, ring_s: float, agent: str) -> None:
        """The call's end, whatever it was; each call is reported once, from
        the phase the pacer has it in."""
        now = self.now()
        connected_to = self.connected.pop(call_id, None)
        handed = call_id in self.waiting_for_agent
        self.waiting_for_agent.discard(call_id)
        if outcome == core.MACHINE:
            self.feed(pacing.MachineCallEnded(now))
        elif connected_to is not None:
            self.feed(pacing.CallEnded(now, connected_to))
        elif handed and agent and outcome == core.HUMAN:
            # Connected and ended between two ticks: both steps now.
            self.feed(pacing.CallConnected(now, agent))
            self.feed(pacing.CallEnded(now, agent))
        elif handed:
            # Abandoned, or the person hung up waiting: gone unconnected.
            self.feed(pacing.CallAbandoned(now))
        else:
            # Never answered, or a person who hung up during the machine
            # check: for the pacer the call ends unanswered.
            self.feed(pacing.CallNotAnswered(now, ring_s))
