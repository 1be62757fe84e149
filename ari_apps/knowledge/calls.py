"""The "knowledge.answer" call service: a flow's ``faq`` node asks whether
the article can be said.  No telephony: the channel is lent for one read and
given straight back.  The call's timeline keeps what the caller was given
(``knowledge_answer``: the article, its version, ready or missing), so a
supervisor can see which answer the caller heard."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ari_apps.call_services import CallServiceContext, ServiceResult, register_call_service
from ari_apps.knowledge.nodes import MISSING, PROMPT_VARIABLE, READY, SERVICE_NAME
from hotline import calls
from hotline.knowledge import speech
from hotline.tenancy import home_tenant_id

TIMELINE_KIND = "knowledge_answer"


class AnswerCall:
    name = SERVICE_NAME

    async def run(self, call: CallServiceContext, params: Mapping[str, Any]) -> ServiceResult:
        tenant_id = call.tenant_id if call.tenant_id is not None else await home_tenant_id()
        raw = str(params.get("article", ""))[:12]
        article_id = int(raw) if raw.isdigit() else 0
        version = await speech.sayable_version(tenant_id, article_id)
        outcome = READY if version is not None else MISSING
        await calls.add_event(
            call.call_id, TIMELINE_KIND, article=raw, version=version, outcome=outcome
        )
        if version is None:
            return ServiceResult(MISSING)
        return ServiceResult(READY, {PROMPT_VARIABLE: speech.prompt_name(article_id)})


register_call_service(AnswerCall())
