"""Agent settings: create, edit, SIP password reset, and the values an agent page shows.

SIP passwords are generated here, returned ONCE to the page that shows them,
and never written to the audit log or rendered again.  Every saved change is
validated by the ACD's ``AgentConfig``, audited, and applied with
``reload_config()`` (which also (re)provisions the agent's SIP endpoint).
The list with live state and the supervisor's actions are
``agent_supervision.py``.

Everything here works in one tenant (``tenant_id``, the signed-in user's):
another tenant's agent or queue is as unknown as a missing one.  Extensions
are one numbering plan across tenants (they name the PJSIP endpoints), so an
extension another tenant holds is refused as "not available", saying no more.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any, Final

from ari_apps.acd.config import AgentConfig
from ari_apps.acd.exceptions import InvalidConfigError
from ari_apps.acd.settings_edit import Editor, SettingsParser, config_error
from hotline.errors import NotFound
from hotline.models import Agent, Queue, QueueMember
from hotline.tenancy import scoped

MASK: Final = "********"
# Digits only: the extension is dialled from phones and names the SIP endpoint.
_EXTENSION = re.compile(r"^[0-9]{2,16}$")
_RESERVED_EXTENSIONS = frozenset({"new"})
_CONFIG_FIELDS = {"skills": "skills", "queues": "queues", "extension": "extension"}
_PASSWORD_BYTES = 18  # 24 URL-safe characters, safe in pjsip.conf
# The agent's phone: a SIP desk phone, or the desk page's browser (WebRTC) phone.
PHONES: Final = ("sip", "browser")


@dataclass(frozen=True)
class NewPassword:
    """A freshly generated SIP password, to be shown once."""

    extension: str
    password: str


def generate_password() -> str:
    return secrets.token_urlsafe(_PASSWORD_BYTES)


def blank_values() -> dict[str, Any]:
    return {"extension": "", "name": "", "phone": "sip", "skills": [], "queues": []}


async def _queue_names(agent: Agent) -> list[str]:
    members = await QueueMember.filter(agent=agent).prefetch_related("queue")
    return sorted(m.queue.name for m in members)


async def values_of(agent: Agent) -> dict[str, Any]:
    return {
        "extension": agent.extension,
        "name": agent.name,
        "phone": agent.phone,
        "skills": [(k, str(v)) for k, v in sorted((agent.skills or {}).items())],
        "queues": await _queue_names(agent),
    }


async def snapshot(agent: Agent) -> dict[str, Any]:
    """The audit log's view of an agent. The SIP password is masked, always."""
    return {
        "extension": agent.extension,
        "name": agent.name,
        "phone": agent.phone,
        "skills": dict(agent.skills or {}),
        "queues": await _queue_names(agent),
        "sip_password": MASK,
    }


async def _parse(tenant_id: int, values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    check = SettingsParser()
    extension = values["extension"]
    if creating:
        if not extension:
            check.fail("extension", "queues.error.required")
        elif not _EXTENSION.match(extension) or extension in _RESERVED_EXTENSIONS:
            check.fail("extension", "agents.error.extension_format")
        elif await scoped(Agent, tenant_id).filter(extension=extension).exists():
            check.fail("extension", "queues.error.duplicate", value=extension)
        elif await Agent.exists(extension=extension):
            # Another tenant's: one numbering plan, but whose it is is not ours to say.
            check.fail("extension", "agents.error.extension_unavailable", value=extension)
    if len(values["name"]) > 100:
        check.fail("name", "agents.error.too_long", limit=100)
    phone = values.get("phone") or "sip"
    if phone not in PHONES:
        check.fail("phone", "agents.error.phone", value=phone)
    skills = check.skills("skills", values["skills"])
    known = set(
        await scoped(Queue, tenant_id)
        .filter(name__in=values["queues"])
        .values_list("name", flat=True)
    )
    unknown = [name for name in values["queues"] if name not in known]
    if unknown:
        check.fail("queues", "queues.error.unknown_queue", value=", ".join(unknown))
    check.raise_if_failed()
    try:
        # The ACD's own constructor: what it would refuse at reload is refused now.
        AgentConfig(
            agent_id=extension, extension=extension, skills=skills, queues=tuple(values["queues"])
        )
    except InvalidConfigError as error:
        raise config_error(error, _CONFIG_FIELDS) from error
    return {"name": values["name"], "phone": phone, "skills": skills}


async def _set_queues(tenant_id: int, agent: Agent, names: list[str]) -> None:
    wanted = set(names)
    for member in await QueueMember.filter(agent=agent).prefetch_related("queue"):
        if member.queue.name not in wanted:
            await member.delete()
        wanted.discard(member.queue.name)
    for queue in await scoped(Queue, tenant_id).filter(name__in=sorted(wanted)):
        await QueueMember.create(queue=queue, agent=agent)


async def get_agent(tenant_id: int, extension: str) -> Agent:
    """The tenant's agent; NotFound for a missing one and another tenant's alike."""
    agent = await scoped(Agent, tenant_id).get_or_none(extension=extension)
    if agent is None:
        raise NotFound(f"no agent {extension!r}", {"extension": extension})
    return agent


async def create_agent(editor: Editor, tenant_id: int, values: dict[str, Any]) -> NewPassword:
    fields = await _parse(tenant_id, values, creating=True)
    password = generate_password()
    agent = await Agent.create(
        tenant_id=tenant_id, extension=values["extension"], sip_password=password, **fields
    )
    await _set_queues(tenant_id, agent, values["queues"])
    await editor.audit("create", "agent", agent.extension, before=None, after=await snapshot(agent))
    await editor.center.reload_config()
    return NewPassword(agent.extension, password)


async def update_agent(
    editor: Editor, tenant_id: int, extension: str, values: dict[str, Any]
) -> Agent:
    agent = await get_agent(tenant_id, extension)
    # A form or API call that does not name the phone keeps the agent's.
    values = {**values, "extension": extension, "phone": values.get("phone") or agent.phone}
    fields = await _parse(tenant_id, values, creating=False)
    before = await snapshot(agent)
    agent.update_from_dict(fields)
    await agent.save(update_fields=list(fields))
    await _set_queues(tenant_id, agent, values["queues"])
    await editor.audit("update", "agent", extension, before=before, after=await snapshot(agent))
    await editor.center.reload_config()
    return agent


async def reset_password(editor: Editor, tenant_id: int, extension: str) -> NewPassword:
    agent = await get_agent(tenant_id, extension)
    agent.sip_password = generate_password()
    await agent.save(update_fields=["sip_password"])
    # Only the fact of the change is logged, never either password.
    await editor.audit(
        "reset_password",
        "agent",
        extension,
        before={"sip_password": MASK},
        after={"sip_password": MASK, "changed": True},
    )
    await editor.center.reload_config()
    return NewPassword(extension, agent.sip_password)


async def queue_choices(tenant_id: int) -> list[str]:
    return [queue.name for queue in await scoped(Queue, tenant_id).order_by("name")]
