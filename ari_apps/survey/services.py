"""The ACD's ``AfterConversation``: send the caller to their queue's survey."""

from __future__ import annotations

import logging

from ari_apps.acd.conversations import Conversation
from ari_apps.ivr import routes
from ari_apps.ivr import stasis as ivr_stasis
from ari_apps.ivr.runner import FlowRunner
from ari_apps.survey import store
from ari_apps.survey.core import rating_of
from hotline import calls
from hotline.models import Queue
from hotline.models_survey import SurveyResponse

log = logging.getLogger(__name__)


class SurveyHandOff:
    def __init__(self, host: ivr_stasis.FlowHost) -> None:
        self.host = host

    async def take_caller(self, conversation: Conversation) -> bool:
        queue = await Queue.get_or_none(name=conversation.queue)
        if queue is None or not queue.survey_flow:
            return False
        tenant_id: int = queue.tenant_id  # type: ignore[attr-defined]
        route = await routes.published_flow(queue.survey_flow, tenant_id)
        if route is None:
            log.warning(
                "queue %s: survey flow %r has no published version; caller not surveyed",
                queue.name,
                queue.survey_flow,
            )
            return False
        channel_id = conversation.caller_channel_id
        holder = self.host.channels.owner(channel_id)
        if holder is None:
            return False  # the caller is gone already
        # The caller's own flow ended with the queue ("answered"); the survey
        # takes the channel over.
        self.host.channels.release(channel_id, holder)
        if isinstance(holder, FlowRunner):
            holder.close()
        response = await store.offered(
            conversation.call_id,
            tenant_id=tenant_id,
            queue=conversation.queue,
            agent_extension=conversation.agent_extension,
        )
        await calls.add_event(conversation.call_id, "survey_offered", flow=queue.survey_flow)

        async def survey_over(runner: FlowRunner) -> None:
            await self._finished(runner, response)

        log.info("call %s: to the survey %r", conversation.call_id, queue.survey_flow)
        await ivr_stasis.continue_with_flow(
            self.host,
            channel_id,
            route.definition,
            {
                "caller_id": conversation.caller_id,
                "dialed_number": "",
                "language": "en",
                "survey_agent": conversation.agent_extension,
                "survey_queue": conversation.queue,
            },
            tenant_id=tenant_id,
            on_gone=survey_over,
        )
        return True

    async def _finished(self, runner: FlowRunner, response: SurveyResponse) -> None:
        if not self.host.channels.release(runner.channel_id, runner):
            return  # heard twice (StasisEnd, then ChannelDestroyed)
        runner.close()
        rating = rating_of(runner.session.variables)
        await store.answered(response, rating)
        await calls.add_event(response.call_id, "survey", rating=rating)
        self.host.bus.publish(
            "survey",
            "rated" if rating is not None else "not_rated",
            call_id=response.call_id,
            agent=response.agent_extension,
            queue=response.queue,
            rating=rating,
        )
        log.info("call %s: survey rating %s", response.call_id, rating)
