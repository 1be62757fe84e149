"""Flow node kind "faq": say a knowledge article's short answer.

Config::

    {"kind": "faq", "article": "12" (or "${faq_article}", a caller's choice),
     "next": "<node>", "on_missing": "<node>"}

The node lends the channel to the "knowledge.answer" call service for an
instant: it checks that the article is live (published, not retired, not
expired) and that its spoken answer (the prompt ``kb-<id>``, drafted with
text-to-speech when a version is approved, or a recording uploaded over
it) says the published version, and writes the call's timeline entry
``knowledge_answer``.  The node then plays the prompt and goes to ``next``;
an article callers may not get goes to ``on_missing``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Self

from ari_apps.ivr.commands import InputRecorded, RunCallService
from ari_apps.ivr.config import ConfigReader
from ari_apps.ivr.events import CallServiceFinished
from ari_apps.ivr.registry import Activation, NodeContext, NodeSpec, Step, register_node_kind
from ari_apps.ivr.templates import expand

SERVICE_NAME: Final = "knowledge.answer"
READY: Final = "ready"
MISSING: Final = "missing"
# The prompt a ready answer is in (hotline/knowledge/speech.py prompt_name).
PROMPT_VARIABLE: Final = "faq_prompt"


@register_node_kind("faq")
@dataclass(frozen=True, kw_only=True)
class FaqNode(NodeSpec):
    article: str
    next: str
    on_missing: str

    @classmethod
    def parse(cls, config: ConfigReader) -> Self:
        article = config.text("article").strip()
        if not (article.isdigit() or "${" in article):
            config.fail("'article': an article number, or a ${variable} holding one")
        return cls(
            node_id=config.node_id,
            article=article,
            next=config.node_ref("next"),
            on_missing=config.node_ref("on_missing"),
        )

    def edges(self) -> Mapping[str, str]:
        return {"next": self.next, "on_missing": self.on_missing}

    def templates(self) -> tuple[str, ...]:
        return (self.article,)

    def variables_set(self) -> frozenset[str]:
        return frozenset({PROMPT_VARIABLE})

    def activate(self, context: NodeContext) -> Activation:
        return _FaqActivation(self, context)


class _FaqActivation(Activation):
    def __init__(self, spec: FaqNode, context: NodeContext) -> None:
        self.spec = spec
        self.context = context
        self.request_id: str | None = None
        self.playback_id: str | None = None

    def start(self) -> Step:
        article = expand(self.spec.article, self.context.variables).strip()
        self.request_id = self.context.new_request_id()
        return Step.stay(RunCallService(self.request_id, SERVICE_NAME, {"article": article}))

    def on_service_finished(self, event: CallServiceFinished) -> Step:
        if event.request_id != self.request_id:
            return Step()
        self.request_id = None
        recorded = InputRecorded(self.spec.node_id, "faq", event.outcome[:32])
        prompt = event.variables.get(PROMPT_VARIABLE, "")
        if event.outcome != READY or not prompt:
            return Step.go(self.spec.on_missing, recorded)
        play = self.context.play((f"prompt:{prompt}",))
        if play is None:
            return Step.go(self.spec.on_missing, recorded)
        self.playback_id = play.playback_id
        return Step.stay(recorded, play)

    def on_playback_finished(self, playback_id: str) -> Step:
        if playback_id != self.playback_id:
            return Step()
        return Step.go(self.spec.next)
