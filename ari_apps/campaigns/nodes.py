"""Flow node kind "campaign_request": the flow submits a call request to a
campaign (OB-03: "from an IVR flow plug-in"), e.g. a caller who asks to be
called back about their bill, or a follow-up once an enquiry is answered.

Config::

    {"kind": "campaign_request", "campaign": "Payment reminders",
     "number": "${caller_id}", "fields": {"account": "${account}"},
     "next": "<node id>", "on_failure": "<node id>"}

The node lends the channel to the "campaigns.request" call service for an
instant: the number (a template, the caller's own by default) is added to
the flow's tenant's campaign of that name, with the fields (templates too)
and the source "flow".  Outcomes: ``added`` → ``next``; anything else (no
such campaign, a number that is not one, already in the list) →
``on_failure``, else ``next`` (the caller's call goes on either way).
Registered like voicemail's and fax's nodes: the flow engine imports it by
name (``ari_apps.ivr.nodes.PLUGIN_KIND_MODULES``) and never by code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Self

from ari_apps.ivr.commands import InputRecorded, RunCallService
from ari_apps.ivr.config import ConfigReader
from ari_apps.ivr.events import CallServiceFinished
from ari_apps.ivr.registry import Activation, NodeContext, NodeSpec, Step, register_node_kind
from ari_apps.ivr.templates import VARIABLE_NAME_RE, expand

SERVICE_NAME: Final = "campaigns.request"
OUTCOME_ADDED: Final = "added"
MAX_FIELDS: Final = 20


@register_node_kind("campaign_request")
@dataclass(frozen=True, kw_only=True)
class CampaignRequestNode(NodeSpec):
    waits_for_caller = True

    campaign: str
    number: str = "${caller_id}"
    fields: Mapping[str, str] = field(default_factory=dict)
    next: str
    on_failure: str | None = None

    @classmethod
    def parse(cls, config: ConfigReader) -> Self:
        campaign = config.text("campaign").strip()
        if not campaign or len(campaign) > 100:
            config.fail("'campaign' must name a campaign (1 to 100 characters)")
        number = (config.optional_text("number") or "${caller_id}").strip()
        raw_fields = config.mapping("fields")
        if len(raw_fields) > MAX_FIELDS:
            config.fail(f"'fields' may hold at most {MAX_FIELDS} entries")
        fields: dict[str, str] = {}
        for name, template in raw_fields.items():
            if not VARIABLE_NAME_RE.fullmatch(str(name)) or not isinstance(template, str):
                config.fail(f"'fields': {str(name)[:40]!r} must be a name with a text template")
            fields[str(name)] = template
        return cls(
            node_id=config.node_id,
            campaign=campaign,
            number=number,
            fields=fields,
            next=config.node_ref("next"),
            on_failure=config.optional_node_ref("on_failure"),
        )

    def edges(self) -> Mapping[str, str]:
        edges = {"next": self.next}
        if self.on_failure is not None:
            edges["on_failure"] = self.on_failure
        return edges

    def templates(self) -> tuple[str, ...]:
        return (self.number, *self.fields.values())

    def activate(self, context: NodeContext) -> Activation:
        return _RequestActivation(self, context)


class _RequestActivation(Activation):
    def __init__(self, spec: CampaignRequestNode, context: NodeContext) -> None:
        self.spec = spec
        self.context = context
        self.request_id: str | None = None

    def start(self) -> Step:
        variables = self.context.variables
        params = {
            "campaign": self.spec.campaign,
            "number": expand(self.spec.number, variables).strip(),
            "fields": {name: expand(t, variables) for name, t in self.spec.fields.items()},
        }
        self.request_id = self.context.new_request_id()
        return Step.stay(RunCallService(self.request_id, SERVICE_NAME, params))

    def on_service_finished(self, event: CallServiceFinished) -> Step:
        if event.request_id != self.request_id:
            return Step()
        self.request_id = None
        recorded = InputRecorded(self.spec.node_id, "campaign_request", event.outcome[:64])
        if event.outcome == OUTCOME_ADDED:
            return Step.go(self.spec.next, recorded)
        return Step.go(self.spec.on_failure or self.spec.next, recorded)
