"""SMS and email to citizens about their case (WO-27): templates per event,
channel and language; a row per message with its delivery; retries.

Events: ``case_received`` (taken in: the caller is told its number),
``case_progress`` (a department's progress reply, 阶段性答复, with
``${progress}``), ``case_replied`` (closed after a department's reply: the
answer), and ``follow_up`` (a follow-up visit's message).  A message is written
``queued`` in the same breath as the case change, then delivered by
``deliver_due`` (the case clock, every few seconds and at once when woken),
so a slow gateway never holds up an agent.  SMS go to an HTTP gateway
(``HOTLINE_SMS_GATEWAY_URL``: JSON ``{"to", "text", "reference"}`` with a
bearer token; the sandbox has its own simulator); email through SMTP
(``hotline/mail.py``).  A failed delivery is tried again after 1, 5 and 15
minutes, then marked failed; each try is on the message's row, which the
case's page shows.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from string import Template
from typing import Any, Final

import aiohttp

from hotline import mail
from hotline.errors import InvalidRequest
from hotline.models_cases import Case, CaseCode, CaseMessage, MessageTemplate
from hotline.settings import Settings
from hotline.tenancy import scoped

log = logging.getLogger(__name__)

EVENTS: Final = ("case_received", "case_progress", "case_replied", "follow_up")
CHANNELS: Final = ("sms", "email")
LANGUAGES: Final = ("zh-CN", "en")
RETRY_AFTER: Final = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15))
GATEWAY_TIMEOUT_S: Final = 10.0
DEFAULT_TEMPLATES: Final[dict[tuple[str, str], str]] = {
    (
        "case_received",
        "zh-CN",
    ): "【热线】您的诉求已受理，工单编号 ${number}，可拨打 8600 查询办理进度。",
    ("case_received", "en"): "[Hotline] Your case was received: number ${number}."
    " Call 8600 to hear how it stands.",
    ("case_progress", "zh-CN"): "【热线】您的工单 ${number} 办理进展：${progress}",
    ("case_progress", "en"): "[Hotline] Your case ${number}, how it stands: ${progress}",
    ("case_replied", "zh-CN"): "【热线】您的工单 ${number} 已办结：${result}",
    ("case_replied", "en"): "[Hotline] Your case ${number} is answered: ${result}",
    ("follow_up", "zh-CN"): "【热线】关于工单 ${number}，我们将回访了解您的满意度。",
    (
        "follow_up",
        "en",
    ): "[Hotline] About case ${number}: we will call to ask if you are satisfied.",
}

_woken = asyncio.Event()


def wake() -> None:
    """Deliver now (the case clock waits on this between its sweeps)."""
    _woken.set()


async def woken(timeout_s: float) -> None:
    try:
        await asyncio.wait_for(_woken.wait(), timeout_s)
    except TimeoutError:
        return
    _woken.clear()


def render(text: str, variables: Mapping[str, str]) -> str:
    """``${name}`` filled in; an unknown name stays as written (never an error)."""
    return Template(text).safe_substitute(variables)


async def template_text(tenant_id: int, event: str, channel: str, language: str) -> str:
    row = await scoped(MessageTemplate, tenant_id).get_or_none(
        event=event, channel=channel, language=language
    )
    if row is not None:
        return row.text
    return DEFAULT_TEMPLATES.get((event, language), DEFAULT_TEMPLATES[(event, "en")])


async def templates(tenant_id: int) -> list[dict[str, str]]:
    return [
        {
            "event": event,
            "channel": channel,
            "language": language,
            "text": await template_text(tenant_id, event, channel, language),
        }
        for event in EVENTS
        for channel in CHANNELS
        for language in LANGUAGES
    ]


async def save_template(tenant_id: int, event: str, channel: str, language: str, text: str) -> None:
    for name, value, allowed in (
        ("event", event, EVENTS),
        ("channel", channel, CHANNELS),
        ("language", language, LANGUAGES),
    ):
        if value not in allowed:
            raise InvalidRequest(f"{name}: one of {', '.join(allowed)}", {"field": name})
    text = text.strip()
    if not text or len(text) > 500:
        raise InvalidRequest("text: 1 to 500 characters", {"field": "text"})
    await MessageTemplate.update_or_create(
        defaults={"text": text},
        tenant_id=tenant_id,
        event=event,
        channel=channel,
        language=language,
    )


def variables_of(case: Case) -> dict[str, str]:
    return {
        "number": case.number,
        "subject": case.subject,
        "status": case.status,
        "result": case.result or "",
        "deadline": case.deadline.isoformat() if case.deadline else "",
    }


async def queue(
    case: Case, event: str, extra: Mapping[str, str] | None = None
) -> list[CaseMessage]:
    """The event's messages to the caller (SMS to their number, email to
    their address, as the case has them); ``extra`` adds variables (the
    progress reply's ``progress``)."""
    queued: list[CaseMessage] = []
    language = case.language if case.language in LANGUAGES else "zh-CN"
    variables = {**variables_of(case), **(extra or {})}
    result = await scoped(CaseCode, case.tenant_id).get_or_none(
        list_name="result", code=case.result
    )
    if result is not None:
        # The result as the caller reads it, not its code.
        variables["result"] = result.label_zh if language == "zh-CN" else result.label_en
    for channel, to in (("sms", case.caller_number), ("email", case.caller_email)):
        if not to:
            continue
        text = render(await template_text(case.tenant_id, event, channel, language), variables)
        queued.append(
            await CaseMessage.create(
                tenant_id=case.tenant_id,
                case=case,
                event=event,
                channel=channel,
                to=to,
                text=text,
                next_attempt_at=datetime.now(UTC),
            )
        )
    if queued:
        wake()
    return queued


async def deliver_due(now: datetime, settings: Settings) -> int:
    """Send the messages due; how many went out."""
    sent = 0
    due = CaseMessage.filter(status="queued", next_attempt_at__lte=now).order_by("id")
    for message in await due.limit(50):
        try:
            gateway_id = await _send(message, settings)
        except (aiohttp.ClientError, TimeoutError, OSError, mail.MailError, ValueError) as error:
            message.attempts += 1
            message.last_error = str(error)[:200] or error.__class__.__name__
            if message.attempts > len(RETRY_AFTER):
                message.status = "failed"
                message.next_attempt_at = None
            else:
                message.next_attempt_at = now + RETRY_AFTER[message.attempts - 1]
            log.warning("case message %s to %s: %s", message.id, message.to, message.last_error)
        else:
            message.attempts += 1
            message.status = "sent"
            message.sent_at = now
            message.next_attempt_at = None
            message.gateway_id = gateway_id[:64]
            sent += 1
        await message.save()
    return sent


async def _send(message: CaseMessage, settings: Settings) -> str:
    if message.channel == "email":
        subject = message.subject
        if not subject:
            case = await Case.get(id=message.case_id)  # type: ignore[attr-defined]
            subject = f"Hotline {case.number}"
        if not await mail.send_mail(settings, [message.to], subject, message.text):
            raise ValueError("no SMTP host configured")
        return ""
    url = settings.sms_url
    if not url:
        raise ValueError("no SMS gateway configured")
    body: dict[str, Any] = {"to": message.to, "text": message.text, "reference": str(message.id)}
    headers = {"Authorization": f"Bearer {settings.sms_gateway_token}"}
    timeout = aiohttp.ClientTimeout(total=GATEWAY_TIMEOUT_S)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.post(url, json=body, headers=headers) as response,
    ):
        if response.status >= 300:
            raise ValueError(f"gateway answered HTTP {response.status}")
        answer = await response.json(content_type=None)
    return str(answer.get("id", "")) if isinstance(answer, dict) else ""


async def messages_of(case: Case) -> list[dict[str, Any]]:
    return [
        {
            "event": m.event,
            "channel": m.channel,
            "to": m.to,
            "text": m.text,
            "status": m.status,
            "attempts": m.attempts,
            "last_error": m.last_error,
            "sent_at": m.sent_at.astimezone(UTC).isoformat() if m.sent_at else None,
        }
        for m in await CaseMessage.filter(case=case).order_by("id")
    ]
