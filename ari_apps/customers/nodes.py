"""Flow node kind "customer": the caller's record by their caller ID, a branch
per standing, and the identity check.

Config::

    {"kind": "customer",
     "branches": {"vip": "<node>", "blacklist": "<node>", "nuisance": "<node>",
                  "known": "<node>", "unknown": "<node>"},
     "next": "<node: any standing without a branch>",
     "identity": "${account}",           (optional: what the caller keyed)
     "identity_field": "account_number",  (or "id_last4", "id_last6")
     "on_identity_failed": "<node>"}      (optional)

The node lends the channel to the "customers.lookup" call service for an
instant: it finds the customer one of whose numbers the caller ID is, takes
the strongest mark that counts now (blacklist, nuisance, VIP; an expired or
revoked mark counts for nothing) as the standing, and, when ``identity`` is
given, compares it with the record (``hotline/customers/core.py``).  The
call's timeline gets ``customer_lookup`` (customer id, standing, identity:
matched, failed or not_checked; never the digits keyed), and the flow the
variables ``customer_id``, ``customer_name``, ``customer_standing`` and
``customer_identity``.

Where the call goes: a blacklisted or nuisance caller takes that branch
whatever they keyed; then a failed identity check takes
``on_identity_failed`` when the flow has one; then the standing's branch,
else ``next``.  A look-up that failed (the database away) is ``unknown``:
the caller is served as a stranger, never stuck.  Which prompt says what is
the flow's, edited like any other.
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
from hotline.customers.core import (
    ACCOUNT_NUMBER,
    BLACKLIST,
    FAILED,
    IDENTITY_FIELDS,
    NUISANCE,
    STANDINGS,
    UNKNOWN,
)

SERVICE_NAME: Final = "customers.lookup"
# Standings that route whatever the caller keyed.
BARRED: Final = (BLACKLIST, NUISANCE)
VARIABLES: Final = frozenset(
    {"customer_id", "customer_name", "customer_standing", "customer_identity"}
)


@register_node_kind("customer")
@dataclass(frozen=True, kw_only=True)
class CustomerNode(NodeSpec):
    branches: Mapping[str, str] = field(default_factory=dict)
    next: str
    identity: str = ""
    identity_field: str = ACCOUNT_NUMBER
    on_identity_failed: str | None = None

    @classmethod
    def parse(cls, config: ConfigReader) -> Self:
        branches: dict[str, str] = {}
        for standing, target in config.mapping("branches").items():
            if standing not in STANDINGS:
                config.fail(
                    f"'branches': {str(standing)[:20]!r} is not a standing"
                    f" (one of {', '.join(STANDINGS)})"
                )
            if not isinstance(target, str) or not target:
                config.fail(f"'branches': {standing!r} must name a node")
            branches[str(standing)] = target
        identity = (config.optional_text("identity") or "").strip()
        identity_field = config.optional_text("identity_field") or ACCOUNT_NUMBER
        if identity_field not in IDENTITY_FIELDS:
            config.fail(f"'identity_field' must be one of {', '.join(IDENTITY_FIELDS)}")
        on_failed = config.optional_node_ref("on_identity_failed")
        if on_failed is not None and not identity:
            config.fail("'on_identity_failed' needs 'identity': what the caller keyed")
        return cls(
            node_id=config.node_id,
            branches=branches,
            next=config.node_ref("next"),
            identity=identity,
            identity_field=identity_field,
            on_identity_failed=on_failed,
        )

    def edges(self) -> Mapping[str, str]:
        edges = {
            "next": self.next,
            **{f"branches.{standing}": target for standing, target in self.branches.items()},
        }
        if self.on_identity_failed is not None:
            edges["on_identity_failed"] = self.on_identity_failed
        return edges

    def templates(self) -> tuple[str, ...]:
        return (self.identity,) if self.identity else ()

    def variables_set(self) -> frozenset[str]:
        return VARIABLES

    def activate(self, context: NodeContext) -> Activation:
        return _CustomerActivation(self, context)

    def route(self, standing: str, identity: str) -> str:
        """Where a look-up's answer sends the call (the module docstring's order)."""
        if standing not in STANDINGS:
            standing = UNKNOWN
        if standing in BARRED and standing in self.branches:
            return self.branches[standing]
        if identity == FAILED and self.on_identity_failed is not None:
            return self.on_identity_failed
        return self.branches.get(standing, self.next)


class _CustomerActivation(Activation):
    def __init__(self, spec: CustomerNode, context: NodeContext) -> None:
        self.spec = spec
        self.context = context
        self.request_id: str | None = None

    def start(self) -> Step:
        params: dict[str, str] = {}
        if self.spec.identity:
            params = {
                "identity": expand(self.spec.identity, self.context.variables).strip(),
                "field": self.spec.identity_field,
            }
        self.request_id = self.context.new_request_id()
        return Step.stay(RunCallService(self.request_id, SERVICE_NAME, params))

    def on_service_finished(self, event: CallServiceFinished) -> Step:
        if event.request_id != self.request_id:
            return Step()
        self.request_id = None
        identity = str(event.variables.get("customer_identity", ""))
        recorded = InputRecorded(self.spec.node_id, "customer", event.outcome[:32])
        return Step.go(self.spec.route(event.outcome, identity), recorded)
