"""Which tenant owns each row, and queries that see one tenant only.

Every model is in exactly one of the tables below (a unit test walks the
models and fails on one that is not):

- ``SCOPED``: the lookup path from the model to its tenant id.  Services
  query these through :func:`scoped` / :func:`get_scoped` with the tenant of
  the signed-in user (``Principal.tenant_id``) or of the API token; an id
  of another tenant's row is "not found", never "forbidden", so ids tell
  nothing about other tenants.
- ``SHARED_WHEN_NULL``: scoped by a nullable ``tenant_id``, where a row
  without a tenant is seen by more than one: :func:`owned_or_unowned`.
- ``PLATFORM``: rows that belong to the installation, not to a tenant
  (Asterisk's dialplan and trunks, restart state keyed by channel, the
  PSTN-side fraud counters).
- ``NOT_YET_SCOPED``: tenant-owned data whose queries do not yet take a
  tenant, each with what is missing (kept so that a model added before its
  scoping is visible, not forgotten).

Names and numbers (DIDs, extensions, voicemail boxes, fax documents,
prompts, queues) stay one plan across tenants: the unique keys are global,
and a name another tenant holds is refused without saying whose.
"""

from __future__ import annotations

from typing import Any, Final, TypeVar

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from hotline.errors import NotFound
from hotline.models import Agent, Did, Tenant
from hotline.models_fax import FaxDid

SCOPED: Final[dict[str, str]] = {
    "Flow": "tenant_id",
    "FlowVersion": "flow__tenant_id",
    "Did": "tenant_id",
    "Queue": "tenant_id",
    "Agent": "tenant_id",
    "QueueMember": "queue__tenant_id",
    "CallRecord": "tenant_id",
    "CallEvent": "call__tenant_id",
    "CallRecording": "tenant_id",
    "SurveyResponse": "tenant_id",
    "User": "tenant_id",
    "UserSessionEpoch": "user__tenant_id",
    "UserGroup": "tenant_id",
    "ApiToken": "tenant_id",
    "LookupAllowedHost": "tenant_id",
    "PauseReason": "tenant_id",
    "ShiftPattern": "agent__tenant_id",
    "ShiftException": "agent__tenant_id",
    "BusinessCalendar": "tenant_id",
    "Prompt": "tenant_id",
    "PromptVersion": "prompt__tenant_id",
    "Mailbox": "tenant_id",
    "VoicemailMessage": "mailbox__tenant_id",
    "FaxDocument": "tenant_id",
    "FaxJob": "tenant_id",
    "FaxDid": "tenant_id",
    "WebhookSubscription": "tenant_id",
    "WebhookDelivery": "subscription__tenant_id",
    "SavedReport": "tenant_id",
    "Callback": "tenant_id",
    "Campaign": "tenant_id",
    "CampaignContact": "tenant_id",
    "CampaignAttempt": "tenant_id",
    "DncNumber": "tenant_id",
    "Department": "tenant_id",
    "DepartmentMember": "tenant_id",
    "CaseCode": "tenant_id",
    "CaseWorkflow": "tenant_id",
    "Case": "tenant_id",
    "CaseAction": "case__tenant_id",
    "CaseAssignment": "tenant_id",
    "CaseNotice": "tenant_id",
    "MessageTemplate": "tenant_id",
    "CaseMessage": "tenant_id",
    "CaseAttachment": "tenant_id",
    "FollowUp": "tenant_id",
    "KnowledgeArticle": "tenant_id",
    "KnowledgeVersion": "article__tenant_id",
    "KnowledgeTerm": "tenant_id",
    "KnowledgeSend": "tenant_id",
    "QaForm": "tenant_id",
    "QaReview": "tenant_id",
    "Customer": "tenant_id",
    "CustomerNumber": "tenant_id",
    "CustomerMark": "tenant_id",
}

# Scoped, with rows no tenant owns that every tenant sees: built-in roles
# (tenant NULL) beside a tenant's custom ones; audit rows from before
# tenants (NULL, the home tenant's; append-only, so never backfilled).
SHARED_WHEN_NULL: Final[dict[str, str]] = {
    "Role": "built-in roles have no tenant and serve every tenant",
    "AuditEntry": "rows from before tenants have none: the home tenant's",
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
    "FaxBackSettings": "the retry policy of fax-back calls over the shared trunk",
    "SimulatedSms": "the sandbox's SMS gateway simulator: what it received",
}

NOT_YET_SCOPED: Final[dict[str, str]] = {
    # The ACD logs by extension (one number plan across tenants) and does not
    # know tenants; readers (hotline/metrics/store.py) select the extensions
    # of the tenant's own agents first.  Missing: a tenant id on the row.
    "AgentStateLog": "rows carry the extension only; read through the tenant's agents",
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


def owned_or_unowned(model: type[M], tenant_id: int) -> QuerySet[M]:
    """``tenant_id``'s rows of a SHARED_WHEN_NULL model plus those of no tenant."""
    if model.__name__ not in SHARED_WHEN_NULL:
        raise LookupError(f"{model.__name__} has no shared rows (see hotline/tenancy.py)")
    return model.filter(Q(tenant_id=tenant_id) | Q(tenant_id=None))


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


async def tenant_of_call(*, caller_endpoint: str | None, dialled: str | None) -> int:
    """The tenant a call with no flow counts for (feature codes, fax DIDs,
    voicemail access): the calling agent phone's tenant, else the tenant of
    the dialled number (a flow's DID or a fax DID), else the home tenant.

    ``caller_endpoint`` is the PJSIP endpoint the call came from ("1001");
    ``dialled`` the extension it reached.  The phone comes first: an agent
    keying ``*98`` acts for their own tenant whatever number they dialled.
    """
    if caller_endpoint:
        agent = await Agent.get_or_none(extension=caller_endpoint)
        if agent is not None:
            return int(agent.tenant_id)  # type: ignore[attr-defined]
    if dialled:
        for model in (Did, FaxDid):
            owners: list[Any] = await model.filter(number=dialled).values_list(
                "tenant_id", flat=True
            )
            if owners and owners[0] is not None:
                return int(owners[0])
    return await home_tenant_id()


def pjsip_endpoint_of(channel_name: str | None) -> str | None:
    """``PJSIP/1001-0000002a`` -> ``1001``; None for any other technology.

    Asterisk names a PJSIP channel ``PJSIP/<endpoint>-<8 hex digits>``; an
    endpoint name may itself hold a "-", so only the last part is cut.
    """
    if not channel_name or not channel_name.startswith("PJSIP/"):
        return None
    endpoint, sep, _ = channel_name[len("PJSIP/") :].rpartition("-")
    return endpoint if sep and endpoint else None


def tenant_accountcode(tenant_id: int) -> str:
    """The accountcode that marks a tenant's agent endpoints and the channels
    Hotline hands to ``hotline-agents``: that context dials an extension only
    for a channel whose accountcode is the extension's own
    (asterisk/config/extensions.conf).  It also lands in Asterisk's CDRs."""
    return f"hotline-tenant-{tenant_id}"
