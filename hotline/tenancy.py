"""Which tenant owns each row, and queries that see one tenant only.

Every model is in exactly one of three tables below (a unit test walks the
models and fails on one that is not):

- ``SCOPED``: the lookup path from the model to its tenant id.  Services
  query these through :func:`scoped` / :func:`get_scoped` with the tenant of
  the signed-in user (``Principal.tenant_id``) or of the API token; an id
  of another tenant's row is "not found", never "forbidden", so ids tell
  nothing about other tenants.
- ``PLATFORM``: rows that belong to the installation, not to a tenant
  (Asterisk's dialplan and trunks, restart state keyed by channel, the
  PSTN-side fraud counters).
- ``NOT_YET_SCOPED``: tenant-owned data whose queries do not yet take a
  tenant.  Each entry says what is missing; the README's Security section
  lists them too.  With one tenant (every installation today) they are
  correct; they must leave this table before a second tenant is created.
"""

from __future__ import annotations

from typing import Any, Final, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from hotline.errors import NotFound
from hotline.models import Tenant

SCOPED: Final[dict[str, str]] = {
    "Flow": "tenant_id",
    "FlowVersion": "flow__tenant_id",
    "Did": "tenant_id",
    "Queue": "tenant_id",
    "Agent": "tenant_id",
    "QueueMember": "queue__tenant_id",
    "CallRecord": "tenant_id",
    "CallEvent": "call__tenant_id",
    "User": "tenant_id",
    "UserSessionEpoch": "user__tenant_id",
    "ApiToken": "tenant_id",
    "LookupAllowedHost": "tenant_id",
    "PauseReason": "tenant_id",
    "ShiftPattern": "agent__tenant_id",
    "ShiftException": "agent__tenant_id",
}

PLATFORM: Final[dict[str, str]] = {
    "Tenant": "the tenants themselves",
    "WaitingCaller": "restart state of a live call, keyed by channel",
    "ConnectedCall": "restart state of a live call, keyed by channel",
    "DialplanDraft": "Asterisk's dialplan: one per installation",
    "DialplanVersion": "Asterisk's dialplan: one per installation",
    "PinFailure": "PSTN-side PIN guessing counters, across tenants on purpose",
    "PinLockout": "PSTN-side PIN lockouts, across tenants on purpose",
    "OutboundRequest": "limits on calls over the shared trunk",
}

NOT_YET_SCOPED: Final[dict[str, str]] = {
    "Role": "custom roles need a tenant (built-in ones stay shared)",
    "UserGroup": "needs a tenant and a (tenant, name) unique key",
    "AuditEntry": "needs a tenant id (append-only: old rows stay the home tenant's)",
    "Prompt": "needs a tenant; prompt files share one directory",
    "PromptVersion": "follows Prompt",
    "BusinessCalendar": "needs a tenant; flows name calendars",
    "Mailbox": "needs a tenant; box numbers are one numbering plan",
    "VoicemailMessage": "follows Mailbox",
    "FaxDocument": "needs a tenant; document numbers are one numbering plan",
    "FaxJob": "needs a tenant",
    "FaxDid": "needs a tenant",
    "FaxBackSettings": "one row per installation today",
}

M = TypeVar("M", bound=Model)


def tenant_path(model: type[Model]) -> str:
    name = model.__name__
    if name not in SCOPED:
        raise LookupError(f"{name} is not tenant-scoped (see hotline/tenancy.py)")
    return SCOPED[name]


def scoped(model: type[M], tenant_id: int) -> QuerySet[M]:
    """All of ``model``'s rows that belong to ``tenant_id``."""
    return model.filter(**{tenant_path(model): tenant_id})


async def get_scoped(model: type[M], tenant_id: int, what: str, **lookup: Any) -> M:
    """The one row of ``tenant_id`` matching ``lookup``; NotFound otherwise."""
    row = await scoped(model, tenant_id).get_or_none(**lookup)
    if row is None:
        raise NotFound(f"no {what}")
    return row


async def home_tenant_id() -> int:
    """The first tenant: the one seeding, the CLI and upgrades work in."""
    tenant = await Tenant.all().order_by("id").first()
    if tenant is None:
        raise NotFound("no tenant")
    return tenant.id
