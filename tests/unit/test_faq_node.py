"""The IVR's knowledge answers: the faq node and its call service
(knowledge.answer): a live article with its spoken answer is played, any
other goes to on_missing, and the timeline says which."""

from __future__ import annotations

from typing import Any

import pytest

import ari_apps.knowledge.nodes  # noqa: F401  (registers the node kind)
from admin_ui.flows import node_forms
from ari_apps.ivr.commands import Play, RunCallService
from ari_apps.ivr.events import CallServiceFinished
from ari_apps.ivr.exceptions import FlowDefinitionError
from ari_apps.ivr.flow import FlowDefinition
from ari_apps.ivr.testing import ScriptedCall
from ari_apps.knowledge.calls import AnswerCall
from ari_apps.knowledge.demo import ANSWERS_DID, ANSWERS_FLOW
from hotline import calls
from hotline.center import Actor
from hotline.knowledge import core, services, speech
from hotline.models import CallEvent, Did, Flow
from hotline.tenancy import home_tenant_id
from tests.unit.ui_support import UiClient


def flow(**config: Any) -> dict[str, Any]:
    node = {"kind": "faq", "article": "7", "next": "done", "on_missing": "agent", **config}
    ends = {name: {"kind": "hangup"} for name in ("done", "agent")}
    return {"start": "answer", "nodes": {"answer": node, **ends}}


def test_an_article_that_is_no_number_is_refused_naming_the_node() -> None:
    with pytest.raises(FlowDefinitionError) as refused:
        FlowDefinition.from_json(flow(article="water"))
    assert refused.value.node_id == "answer"


def test_a_ready_answer_is_played_then_next() -> None:
    call = ScriptedCall(flow(), {"caller_id": "5550123"})
    call.start()
    (request,) = [c for c in call.history if isinstance(c, RunCallService)]
    assert (request.service, request.params) == ("knowledge.answer", {"article": "7"})
    commands = call.send(CallServiceFinished(request.request_id, "ready", {"faq_prompt": "kb-7"}))
    (play,) = [c for c in commands if isinstance(c, Play)]
    assert play.media == ("prompt:kb-7",)
    assert call.session.current_node == "answer"
    call.finish_playback()
    assert call.session.current_node == "done"


def test_a_caller_chosen_article_comes_from_a_variable() -> None:
    call = ScriptedCall(flow(article="${choice}"), {"caller_id": "5550123", "choice": "12"})
    call.start()
    (request,) = [c for c in call.history if isinstance(c, RunCallService)]
    assert request.params == {"article": "12"}


@pytest.mark.parametrize("outcome", ["missing", "failed"])
def test_an_answer_that_cannot_be_said_goes_to_on_missing(outcome: str) -> None:
    call = ScriptedCall(flow(), {"caller_id": "5550123"})
    call.start()
    (request,) = [c for c in call.history if isinstance(c, RunCallService)]
    call.send(CallServiceFinished(request.request_id, outcome))
    assert call.session.current_node == "agent"


class Lent:
    def __init__(self, tenant_id: int, call_id: str) -> None:
        self.tenant_id = tenant_id
        self.call_id = call_id


async def test_the_service_says_only_live_spoken_answers_and_the_timeline_keeps_it(
    ui: UiClient,
) -> None:
    tenant = await home_tenant_id()
    billing, supervisor = Actor("billing", "", tenant), Actor("supervisor", "", tenant)
    article = await services.create(
        tenant,
        billing,
        {"category": "faq", "title": "停水通知", "body": "计划停水提前24小时通知。"},
    )
    await calls.open_record(
        "call-5", did="8601", caller_id="5550123", tenant_id=tenant, flow_version_id=None
    )
    service = AnswerCall()

    async def ask() -> str:
        result = await service.run(Lent(tenant, "call-5"), {"article": str(article.id)})  # type: ignore[arg-type]
        return result.outcome

    assert await ask() == "missing"  # a draft
    await services.review(tenant, billing, article.id, 1, core.SUBMIT)
    await services.review(tenant, supervisor, article.id, 1, core.APPROVE)
    assert await ask() == "missing"  # not spoken yet
    await speech.mark_spoken(article.id, 1)
    assert await ask() == "ready"
    await services.retire(tenant, billing, article.id, True)
    assert await ask() == "missing"
    await calls.flush()
    answers = [e.data for e in await CallEvent.filter(kind="knowledge_answer").order_by("id")]
    assert [a["outcome"] for a in answers] == ["missing", "missing", "ready", "missing"]
    assert answers[2] == {"article": str(article.id), "version": 1, "outcome": "ready"}


async def test_the_demo_answers_line_is_a_valid_flow_naming_its_live_articles(
    ui: UiClient,
) -> None:
    tenant = await home_tenant_id()
    flow = await Flow.get(tenant_id=tenant, name=ANSWERS_FLOW)
    definition = FlowDefinition.from_json(flow.draft)
    assert definition.start == "menu"
    articles = [flow.draft["nodes"][node]["article"] for node in ("fee", "outage")]
    for article in articles:
        assert await speech.sayable_version(tenant, int(article)) is None  # not spoken yet
        await speech.mark_spoken(int(article), 1)
        assert await speech.sayable_version(tenant, int(article)) == 1
    (hit,) = await services.search(tenant, "怎么交水费")
    assert str(hit.article_id) == articles[0]
    assert await Did.exists(number=ANSWERS_DID, flow_id=flow.id)


def test_the_flow_editor_edits_an_faq_node_with_a_form_and_keeps_it_valid() -> None:
    node = {
        "kind": "faq",
        "label": "Water bill",
        "article": "12",
        "next": "done",
        "on_missing": "agent",
    }
    values = node_forms.node_values(node)
    assert values["article"] == "12" and values["on_missing"] == "agent"
    edited, errors = node_forms.apply_values(node, "faq", {**values, "article": "${choice}"})
    assert errors == {} and edited["article"] == "${choice}"
    definition = {"start": "answer", "nodes": {"answer": edited, "done": {"kind": "hangup"},
                                               "agent": {"kind": "hangup"}}}  # fmt: skip
    assert FlowDefinition.from_json(definition).start == "answer"
