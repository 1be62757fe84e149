"""Flow node kind "case_status": a caller's case, by the number they keyed,
and a branch per status.

Config::

    {"kind": "case_status", "number": "${case_number}",
     "branches": {"registered": "<node>", "handling": "<node>",
                  "joint_review": "<node>", "reviewing": "<node>",
                  "closed": "<node>"},
     "next": "<node: any status without a branch>",
     "on_not_found": "<node>"}

The node lends the channel to the "cases.status" call service for an
instant: it finds the case of the flow's tenant with that number, writes the
call's timeline entry ``case_lookup`` (the number keyed and the status
found), and sets ``case_status``, ``case_replied`` ("yes" once a department
replied) and ``case_holders``; a closed case whose answer was sent by SMS takes the
``closed_sms`` branch when the flow has one.  Which prompt says what is the flow's: the
administrators edit it like any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Self

from ari_apps.ivr.commands import InputRecorded, RunCallService
from ari_apps.ivr.config import ConfigReader
from ari_apps.ivr.events import CallServiceFinished
from ari_apps.ivr.registry import Activation, NodeContext, NodeSpec, Step, register_node_kind
from ari_apps.ivr.templates import expand

SERVICE_NAME: Final = "cases.status"
NOT_FOUND: Final = "not_found"
# The workflow's statuses (hotline/cases/core.py STATUSES).
STATUSES: Final = ("registered", "handling", "joint_review", "reviewing", "closed")
# A closed case whose answer went to the caller by SMS: its own branch when
# the flow has one (else "closed"'s), so the caller can be told so.
CLOSED_SMS: Final = "closed_sms"
BRANCHES: Final = (*STATUSES, CLOSED_SMS)


@register_node_kind("case_status")
@dataclass(frozen=True, kw_only=True)
class CaseStatusNode(NodeSpec):
    waits_for_caller = True

    number: str = "${case_number}"
    branches: Mapping[str, str] = field(default_factory=dict)
    next: str
    on_not_found: str

    @classmethod
    def parse(cls, config: ConfigReader) -> Self:
        number = (config.optional_text("number") or "${case_number}").strip()
        branches: dict[str, str] = {}
        for status, target in config.mapping("branches").items():
            if status not in BRANCHES:
                config.fail(f"'branches': {str(status)[:20]!r} is not a case status")
            if not isinstance(target, str) or not target:
                config.fail(f"'branches': {status!r} must name a node")
            branches[str(status)] = target
        return cls(
            node_id=config.node_id,
            number=number,
            branches=branches,
            next=config.node_ref("next"),
            on_not_found=config.node_ref("on_not_found"),
        )

    def edges(self) -> Mapping[str, str]:
        return {
            "next": self.next,
            "on_not_found": self.on_not_found,
            **{f"branches.{status}": target for status, target in self.branches.items()},
        }

    def templates(self) -> tuple[str, ...]:
        return (self.number,)

    def variables_set(self) -> frozenset[str]:
        return frozenset({"case_status", "case_replied", "case_holders"})

    def activate(self, context: NodeContext) -> Activation:
        return _StatusActivation(self, context)


class _StatusActivation(Activation):
    def __init__(self, spec: CaseStatusNode, context: NodeContext) -> None:
        self.spec = spec
        self.context = context
        self.request_id: str | None = None

    def start(self) -> Step:
        number = expand(self.spec.number, self.context.variables).strip()
        self.request_id = self.context.new_request_id()
        return Step.stay(RunCallService(self.request_id, SERVICE_NAME, {"number": number}))

    def on_service_finished(self, event: CallServiceFinished) -> Step:
        if event.request_id != self.request_id:
            return Step()
        self.request_id = None
        recorded = InputRecorded(self.spec.node_id, "case_status", event.outcome[:32])
        if event.outcome not in BRANCHES:
            return Step.go(self.spec.on_not_found, recorded)
        branch = self.spec.branches.get(event.outcome)
        if branch is None and event.outcome == CLOSED_SMS:
            branch = self.spec.branches.get("closed")
        return Step.go(branch or self.spec.next, recorded)
