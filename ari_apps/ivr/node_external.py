"""The node kind that hands the call's data to a business system and waits
for its answer: ``http_lookup``.  (The ``queue`` node, which hands the
caller to the ACD, is the ACD's plug-in: ``ari_apps/acd/nodes.py``.)"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Self

from ari_apps.ivr.commands import (
    CancelTimer,
    HttpLookup,
    InputRecorded,
)
from ari_apps.ivr.config import ConfigReader
from ari_apps.ivr.events import (
    HttpLookupCompleted,
)
from ari_apps.ivr.lookup import LookupFailed, extract_assignments
from ari_apps.ivr.registry import Activation, NodeContext, NodeSpec, Step, register_node_kind
from ari_apps.ivr.templates import READ_ONLY_VARIABLES, expand, expand_url

# The adapter owns the HTTP timeout; this grace only guards against an
# adapter that never answers, so the caller is not stuck forever.
RESPONSE_GRACE_S: Final = 2.0
_URL_PREFIX_RE: Final = re.compile(r"https?://[^/?#${}]+(?:[/?#]|$)")


@register_node_kind("http_lookup")
@dataclass(frozen=True, kw_only=True)
class HttpLookupNode(NodeSpec):
    """Query a business system and copy JSON fields into variables.

    ``assign`` maps variable -> dotted JSON path (``account.balance``,
    ``items.0.id``). The scheme and host of ``url`` must be literal; values
    substituted into the URL are percent-encoded.  The host must be on the
    tenant's allow-list, at validation and again (resolved) when the call
    runs; redirects are not followed (``lookup_policy.py``, ``lookup_http.py``).
    """

    url: str
    next: str
    on_failure: str
    method: str = "GET"
    body: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 3.0
    assign: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, config: ConfigReader) -> Self:
        method = (config.optional_text("method") or "GET").upper()
        if method not in ("GET", "POST"):
            config.fail("'method' must be GET or POST")
        url = config.text("url")
        if not _URL_PREFIX_RE.match(url):
            config.fail("'url' must start with a literal http:// or https:// host")
        body = config.mapping("body")
        if body and method != "POST":
            config.fail("'body' is only allowed with POST")
        if not all(isinstance(value, str) for value in body.values()):
            config.fail("'body' values must be strings (templates)")
        assign: dict[str, str] = {}
        for name, path in config.mapping("assign").items():
            config.variable_name(name, "'assign'")
            if name in READ_ONLY_VARIABLES:
                config.fail(f"'assign': {name!r} is read-only")
            if not isinstance(path, str) or not all(path.split(".")):
                config.fail(f"'assign': {path!r} is not a dotted JSON path")
            assign[name] = path
        return cls(
            node_id=config.node_id,
            url=url,
            next=config.node_ref("next"),
            on_failure=config.node_ref("on_failure"),
            method=method,
            body=body,
            timeout_s=config.seconds("timeout_s", 3.0, 0.5, 30.0),
            assign=assign,
        )

    def edges(self) -> Mapping[str, str]:
        return {"next": self.next, "on_failure": self.on_failure}

    def literal_origin(self) -> str:
        """The URL's literal part up to its host: what the allow-list judges."""
        match = _URL_PREFIX_RE.match(self.url)
        return match.group(0) if match else self.url

    def templates(self) -> tuple[str, ...]:
        return (self.url, *self.body.values())

    def variables_set(self) -> frozenset[str]:
        return frozenset(self.assign)

    def activate(self, context: NodeContext) -> Activation:
        return _HttpLookupActivation(self, context)


class _HttpLookupActivation(Activation):
    def __init__(self, spec: HttpLookupNode, context: NodeContext) -> None:
        self.spec = spec
        self.context = context
        self.request_id: str | None = None
        self.guard_timer_id: str | None = None

    def start(self) -> Step:
        variables = self.context.variables
        self.request_id = self.context.new_request_id()
        body = {name: expand(value, variables) for name, value in self.spec.body.items()}
        request = HttpLookup(
            request_id=self.request_id,
            method=self.spec.method,
            url=expand_url(self.spec.url, variables),
            json_body=body if self.spec.method == "POST" else None,
            timeout_s=self.spec.timeout_s,
        )
        guard = self.context.start_timer(self.spec.timeout_s + RESPONSE_GRACE_S)
        self.guard_timer_id = guard.timer_id
        return Step.stay(request, guard)

    def on_http_completed(self, event: HttpLookupCompleted) -> Step:
        if self.request_id is None or event.request_id != self.request_id:
            return Step()
        self.request_id = None
        cancel = CancelTimer(self.guard_timer_id) if self.guard_timer_id else None
        try:
            values = extract_assignments(event, self.spec.assign)
        except LookupFailed as failure:
            recorded = InputRecorded(self.spec.node_id, "lookup_failed", failure.reason)
            return Step.go(self.spec.on_failure, cancel, recorded)
        for name, value in values.items():
            self.context.set_variable(name, value)
        recorded = InputRecorded(self.spec.node_id, "lookup", f"status {event.status}")
        return Step.go(self.spec.next, cancel, recorded)

    def on_timer(self, timer_id: str) -> Step:
        if self.request_id is None or timer_id != self.guard_timer_id:
            return Step()
        self.request_id = None
        recorded = InputRecorded(self.spec.node_id, "lookup_failed", "no_response")
        return Step.go(self.spec.on_failure, recorded)
