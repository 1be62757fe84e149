"""/api/v1: thin handlers (auth, parse, one service call, render JSON).

Every handler works in the token's tenant (``principal.tenant_id``): another
tenant's flow, call, queue, agent or voicemail message is a 404 exactly like
a missing one, and nothing about it changes (``hotline/tenancy.py``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from admin_ui.auth import require
from admin_ui.callbacks.api import ROUTES as CALLBACK_ROUTES
from admin_ui.campaigns.api import ROUTES as CAMPAIGN_ROUTES
from admin_ui.cases.api import ROUTES as CASE_ROUTES
from admin_ui.customers.api import ROUTES as CUSTOMER_ROUTES
from admin_ui.fax.api import ROUTES as FAX_ROUTES
from admin_ui.knowledge.api import ROUTES as KNOWLEDGE_ROUTES
from admin_ui.openapi import openapi_document
from admin_ui.prompts.api import ROUTES as PROMPT_ROUTES
from admin_ui.quality.api import ROUTES as QUALITY_ROUTES
from admin_ui.recordings.api import ROUTES as RECORDING_ROUTES
from admin_ui.recordings.api import recording_fields
from admin_ui.reports.api import ROUTES as REPORT_ROUTES
from admin_ui.wallboard.api import ROUTES as MONITORING_ROUTES
from admin_ui.web import audit
from admin_ui.webhooks.api import ROUTES as WEBHOOK_ROUTES
from ari_apps.ivr import services as flows_service
from hotline import calls as calls_service
from hotline import desk, live_status, pause_reasons
from hotline.center import ContactCenter
from hotline.errors import InvalidRequest
from hotline.metrics import agent_report, reports, surveys
from hotline.models import Tenant
from vm.mailboxes import get_box
from vm.messages import delete_message, list_messages, message_audio, message_json


def _center(request: Request) -> ContactCenter:
    center: ContactCenter = request.app.state.center
    return center


async def _json_body(request: Request) -> Any:
    try:
        return await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidRequest(f"request body is not valid JSON: {exc}") from exc


async def list_queues(request: Request) -> Response:
    principal = await require(request, "view")
    return JSONResponse(await live_status.queue_statuses(_center(request), principal.tenant_id))


async def get_queue(request: Request) -> Response:
    principal = await require(request, "view")
    name = request.path_params["name"]
    return JSONResponse(await live_status.queue_status(_center(request), principal.tenant_id, name))


async def list_agents(request: Request) -> Response:
    principal = await require(request, "view")
    return JSONResponse(await live_status.agent_statuses(_center(request), principal.tenant_id))


async def get_agent(request: Request) -> Response:
    principal = await require(request, "view")
    extension = request.path_params["extension"]
    return JSONResponse(
        await live_status.agent_status(_center(request), principal.tenant_id, extension)
    )


async def agent_action(request: Request) -> Response:
    principal = await require(request, "agent-control")
    body = await _json_body(request) if await request.body() else {}
    reason = body.get("reason") if isinstance(body, dict) else None
    extension = request.path_params["extension"]
    action = request.path_params["action"]
    # Another tenant's agent is unknown: nothing is checked or done for it.
    await live_status.check_agent(principal.tenant_id, extension)
    if action == "pause":
        # An active reason of the agent's tenant, or the default when none is given.
        reason = await pause_reasons.reason_for_pause(extension, reason)
    result = await _center(request).agent_action(extension, action, reason)
    await audit.record(
        request,
        f"agent_{action}",
        "agent",
        extension,
        after=result,
        username=principal.name,
        source="api",
    )
    return JSONResponse(result)


async def agent_call_action(request: Request) -> Response:
    """Hold, resume or transfer the agent's call ({action, target}); audited."""
    principal = await require(request, "agent-control")
    body = await _json_body(request) if await request.body() else {}
    if not isinstance(body, dict):
        raise InvalidRequest("request body: a JSON object with action (and target)")
    extension = request.path_params["extension"]
    await live_status.check_agent(principal.tenant_id, extension)
    action, target = str(body.get("action", "")), str(body.get("target") or "")
    result = await _center(request).call_action(extension, action, target)
    await audit.record(
        request,
        f"call_{action}",
        "agent",
        extension,
        after=result,
        username=principal.name,
        source="api",
    )
    return JSONResponse(result)


async def list_pause_reasons(request: Request) -> Response:
    principal = await require(request, "view")
    tenant = await Tenant.get(id=principal.tenant_id)
    return JSONResponse(await pause_reasons.list_reasons(tenant))


async def live_calls(request: Request) -> Response:
    principal = await require(request, "view")
    return JSONResponse(await live_status.live_calls(_center(request), principal.tenant_id))


async def recent_calls(request: Request) -> Response:
    principal = await require(request, "view")
    try:
        limit = min(500, max(1, int(request.query_params.get("limit", "50"))))
    except ValueError as exc:
        raise InvalidRequest("limit must be an integer") from exc
    return JSONResponse(await calls_service.recent_calls(limit, tenant_id=principal.tenant_id))


async def set_disposition(request: Request) -> Response:
    """The outcome of a call for the agent who answered it (disposition code
    of the call's queue, notes), as the desk records it; audited."""
    principal = await require(request, "agent-control")
    call_id = request.path_params["call_id"]
    body = await _json_body(request)
    if not isinstance(body, dict):
        raise InvalidRequest("request body: a JSON object with code and notes")
    agent, before, after = await desk.save_outcome_of_call(
        principal.tenant_id, call_id, str(body.get("code", "")), str(body.get("notes") or "")
    )
    await audit.record(
        request,
        "call_disposition",
        "call",
        call_id,
        before=before,
        after={**after, "agent": agent},
        username=principal.name,
        source="api",
    )
    _center(request).bus.publish(
        "call", "disposition", call_id=call_id, agent=agent, disposition=after["disposition"]
    )
    return JSONResponse({"call_id": call_id, "agent": agent, **after})


async def get_call(request: Request) -> Response:
    principal = await require(request, "view")
    call_id = request.path_params["call_id"]
    detail = await calls_service.call_detail(call_id, tenant_id=principal.tenant_id)
    detail.update(await recording_fields(request, call_id))
    return JSONResponse(detail)


async def list_flows(request: Request) -> Response:
    principal = await require(request, "view")
    return JSONResponse(await flows_service.list_flows(principal.tenant_id))


async def get_flow(request: Request) -> Response:
    principal = await require(request, "view")
    flow_id = request.path_params["flow_id"]
    return JSONResponse(await flows_service.get_flow(flow_id, tenant_id=principal.tenant_id))


async def put_draft(request: Request) -> Response:
    principal = await require(request, "edit")
    body = await _json_body(request)
    flow_id = request.path_params["flow_id"]
    before = (await flows_service.get_flow(flow_id, tenant_id=principal.tenant_id))["draft"]
    result = await flows_service.put_draft(flow_id, body, tenant_id=principal.tenant_id)
    await audit.record(
        request,
        "flow_draft_saved",
        "flow",
        flow_id,
        before=before,
        after=body,
        username=principal.name,
        source="api",
    )
    return JSONResponse(result)


async def validate_flow(request: Request) -> Response:
    principal = await require(request, "view")
    flow_id = request.path_params["flow_id"]
    return JSONResponse(await flows_service.validate_draft(flow_id, tenant_id=principal.tenant_id))


async def publish_flow(request: Request) -> Response:
    principal = await require(request, "publish")
    result = await flows_service.publish(
        request.path_params["flow_id"], principal.name, tenant_id=principal.tenant_id
    )
    await audit.record(
        request,
        "flow_published",
        "flow",
        request.path_params["flow_id"],
        after=result,
        username=principal.name,
        source="api",
    )
    return JSONResponse(result, status_code=201)


async def list_voicemail_messages(request: Request) -> Response:
    principal = await require(request, "view")
    box = await get_box(request.path_params["box"], tenant_id=principal.tenant_id)
    return JSONResponse(
        [
            message_json(
                message,
                str(request.url_for("voicemail_message_audio", message_id=message.id)),
            )
            for message in await list_messages(box)
        ]
    )


async def voicemail_message_audio(request: Request) -> Response:
    principal = await require(request, "view")
    message, data = await message_audio(
        request.path_params["message_id"], tenant_id=principal.tenant_id
    )
    return Response(
        data,
        media_type="audio/wav",
        headers={"Content-Disposition": f'inline; filename="voicemail-{message.id}.wav"'},
    )


async def delete_voicemail_message(request: Request) -> Response:
    principal = await require(request, "edit")
    message_id = request.path_params["message_id"]
    before = await delete_message(message_id, tenant_id=principal.tenant_id)
    await audit.record(
        request,
        "voicemail_deleted",
        "voicemail_message",
        message_id,
        before=before,
        username=principal.name,
        source="api",
    )
    return Response(status_code=204)


def _zone(request: Request) -> ZoneInfo:
    settings = getattr(request.app.state, "settings", None)
    return ZoneInfo(settings.site_timezone if settings is not None else "UTC")


def _period(request: Request) -> tuple[datetime, datetime]:
    """A report's ``from``/``to``; a time without an offset is the site's."""
    return reports.parse_period(
        request.query_params.get("from"), request.query_params.get("to"), _zone(request)
    )


async def queue_report(request: Request) -> Response:
    principal = await require(request, "view")
    since, until = _period(request)
    by = request.query_params.get("by")
    if by:  # per interval, day, week or month: a row per queue and period
        rows = await reports.queue_report_by(
            principal.tenant_id, since, until, datetime.now(UTC), by, _zone(request)
        )
    else:
        rows = await reports.queue_report(principal.tenant_id, since, until, datetime.now(UTC))
    return JSONResponse(rows)


async def agents_report(request: Request) -> Response:
    """Per agent over a period (METRICS.md "Agents" and CSAT)."""
    principal = await require(request, "view")
    since, until = _period(request)
    rows = await agent_report.agent_report(principal.tenant_id, since, until, datetime.now(UTC))
    return JSONResponse(rows)


async def survey_report(request: Request) -> Response:
    """Post-call survey figures (METRICS.md CSAT) per queue and per agent."""
    principal = await require(request, "view")
    since, until = _period(request)
    return JSONResponse(await surveys.survey_report(principal.tenant_id, since, until))


async def openapi(request: Request) -> Response:
    return JSONResponse(openapi_document())


routes = [
    Route("/openapi.json", openapi),
    Route("/reports/queues", queue_report),
    *REPORT_ROUTES,
    Route("/reports/surveys", survey_report),
    Route("/reports/agents", agents_report),
    Route("/queues", list_queues),
    Route("/queues/{name}", get_queue),
    Route("/agents", list_agents),
    Route("/agents/{extension}", get_agent),
    # Before the state actions: "call" is no agent state.
    Route("/agents/{extension}/call", agent_call_action, methods=["POST"]),
    Route("/agents/{extension}/{action:str}", agent_action, methods=["POST"]),
    Route("/pause-reasons", list_pause_reasons),
    *WEBHOOK_ROUTES,
    Route("/calls/live", live_calls),
    Route("/calls/recent", recent_calls),
    Route("/calls/{call_id}", get_call),
    Route("/calls/{call_id}/disposition", set_disposition, methods=["POST"]),
    *RECORDING_ROUTES,
    *MONITORING_ROUTES,
    *CALLBACK_ROUTES,
    *CAMPAIGN_ROUTES,
    *CASE_ROUTES,
    *KNOWLEDGE_ROUTES,
    *QUALITY_ROUTES,
    *CUSTOMER_ROUTES,
    Route("/flows", list_flows),
    Route("/flows/{flow_id:int}", get_flow),
    Route("/flows/{flow_id:int}/draft", put_draft, methods=["PUT"]),
    Route("/flows/{flow_id:int}/validate", validate_flow, methods=["POST"]),
    Route("/flows/{flow_id:int}/publish", publish_flow, methods=["POST"]),
    Route("/voicemail/boxes/{box}/messages", list_voicemail_messages),
    Route(
        "/voicemail/messages/{message_id:int}/audio",
        voicemail_message_audio,
        name="voicemail_message_audio",
    ),
    Route("/voicemail/messages/{message_id:int}", delete_voicemail_message, methods=["DELETE"]),
    *FAX_ROUTES,
    *PROMPT_ROUTES,
]
