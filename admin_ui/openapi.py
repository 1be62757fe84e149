"""The OpenAPI 3.1 document served at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from admin_ui.callbacks.api import OPENAPI_PATHS as CALLBACK_PATHS
from admin_ui.campaigns.api import OPENAPI_PATHS as CAMPAIGN_PATHS
from admin_ui.cases.api import OPENAPI_PATHS as CASE_PATHS
from admin_ui.customers.api import OPENAPI_PATHS as CUSTOMER_PATHS
from admin_ui.fax.api import OPENAPI_PATHS as FAX_PATHS
from admin_ui.knowledge.api import OPENAPI_PATHS as KNOWLEDGE_PATHS
from admin_ui.prompts.api import OPENAPI_PATHS as PROMPT_PATHS
from admin_ui.quality.api import OPENAPI_PATHS as QUALITY_PATHS
from admin_ui.recordings.api import OPENAPI_PATHS as RECORDING_PATHS
from admin_ui.reports.api import OPENAPI_PATHS as REPORT_PATHS
from admin_ui.wallboard.api import OPENAPI_PATHS as MONITORING_PATHS
from admin_ui.webhooks.api import OPENAPI_PATHS as WEBHOOK_PATHS

_BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


def _op(summary: str, *, body: bool = False, params: tuple[str, ...] = ()) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "security": _BEARER,
        "parameters": [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in params
        ],
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {}}},
            "401": {"description": "missing, unknown, revoked or expired bearer token"},
            "403": {"description": "the token's role or scope may not do this"},
            "404": {"description": "no such object"},
        },
    }
    if body:
        operation["requestBody"] = {
            "required": False,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    return operation


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Hotline API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/reports/queues": {
                "get": _op(
                    "Queue figures over a period (METRICS.md): query 'from' and 'to', ISO 8601"
                )
            },
            **REPORT_PATHS,
            "/reports/agents": {
                "get": _op(
                    "Per agent (METRICS.md): calls, talk_s, avg_talk_s, wrap_up_s, aht_s,"
                    " seconds_in_state, not_ready_by_reason, occupancy, utilisation, surveyed,"
                    " rated, csat; 'from' and 'to'"
                )
            },
            "/reports/surveys": {
                "get": _op(
                    "Post-call survey figures per queue and agent (METRICS.md CSAT): surveyed,"
                    " rated, satisfied, csat, response_rate, mean_rating; 'from' and 'to'"
                )
            },
            "/queues": {"get": _op("Status of every queue")},
            "/queues/{name}": {"get": _op("Status of one queue", params=("name",))},
            "/agents": {"get": _op("State of every agent")},
            "/agents/{extension}": {"get": _op("State of one agent", params=("extension",))},
            "/agents/{extension}/call": {
                "post": _op(
                    "The agent's call: {action: hold | resume | transfer, target:"
                    " queue:<name> | extension:<digits>}; a blind transfer to an extension"
                    " that does not answer in 20 s sends the caller back to their queue"
                    " first in line; audited",
                    body=True,
                    params=("extension",),
                )
            },
            "/agents/{extension}/{action}": {
                "post": _op(
                    "login, logout, pause (body: {reason}, an active pause reason's code;"
                    " none: the default reason; 400 unknown-pause-reason lists the allowed"
                    " codes) or ready",
                    body=True,
                    params=("extension", "action"),
                )
            },
            "/pause-reasons": {
                "get": _op(
                    "Pause reasons in order: {code, digits, feature_code, labels, position,"
                    " active, default}"
                )
            },
            "/calls/live": {"get": _op("Calls in progress")},
            "/calls/recent": {"get": _op("Recent call records (?limit=)")},
            "/calls/{call_id}": {
                "get": _op(
                    "A call record with its timeline, its recording {status, duration_s,"
                    " size_bytes, ...} and recording_url while the file is kept",
                    params=("call_id",),
                )
            },
            "/calls/{call_id}/disposition": {
                "post": _op(
                    "Record the call's outcome for the agent who answered it: {code (one of"
                    " the queue's disposition codes), notes}; audited",
                    body=True,
                    params=("call_id",),
                )
            },
            **RECORDING_PATHS,
            **MONITORING_PATHS,
            **CALLBACK_PATHS,
            **CAMPAIGN_PATHS,
            **CASE_PATHS,
            **KNOWLEDGE_PATHS,
            **QUALITY_PATHS,
            **CUSTOMER_PATHS,
            "/flows": {"get": _op("Flows with their published version")},
            "/flows/{flow_id}": {"get": _op("A flow: draft and versions", params=("flow_id",))},
            "/flows/{flow_id}/draft": {
                "put": _op("Replace the draft (JSON graph)", body=True, params=("flow_id",))
            },
            "/flows/{flow_id}/validate": {
                "post": _op("Validate the draft; issues name the node", params=("flow_id",))
            },
            "/flows/{flow_id}/publish": {
                "post": _op("Publish the draft as a new version", params=("flow_id",))
            },
            **WEBHOOK_PATHS,
            **PROMPT_PATHS,
            **FAX_PATHS,
            "/voicemail/boxes/{box}/messages": {
                "get": _op(
                    "Messages of a box: {id, caller_id, duration_s, received_at, audio_url}",
                    params=("box",),
                )
            },
            "/voicemail/messages/{message_id}/audio": {
                "get": _op("The message's WAV (same bearer token)", params=("message_id",))
            },
            "/voicemail/messages/{message_id}": {
                "delete": _op("Delete a message (MWI updated, audited)", params=("message_id",))
            },
        },
    }
