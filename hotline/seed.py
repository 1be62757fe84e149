"""Seed the demo tenant idempotently on every start.

Existing rows are left as administrators changed them; only missing pieces
are created, so a restart never undoes an edit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any, Final, Protocol

from argon2 import PasswordHasher
from tortoise.expressions import Q

from hotline import api_tokens
from hotline.api_tokens import token_digest as token_digest  # re-exported
from hotline.cases import directory
from hotline.customers.demo import seed_demo_customers
from hotline.lookup_hosts import add_configured_hosts
from hotline.models import (
    Agent,
    ApiToken,
    Did,
    Flow,
    FlowVersion,
    Queue,
    QueueMember,
    Role,
    Tenant,
    User,
    UserGroup,
)
from hotline.models_cases import Department, DepartmentMember
from hotline.models_fax import FaxDid, FaxDocument, FaxJob
from hotline.models_pause_reasons import PauseReason
from hotline.models_prompts import Prompt
from hotline.models_shifts import BusinessCalendar
from hotline.models_voicemail import Mailbox
from hotline.permissions import BUILTIN_ROLES
from hotline.settings import Settings

DEMO_TENANT = "demo"
SEEDED_TOKEN_NAME = "demo admin"
DEMO_DID = "8000"
DEMO_FLOW = "Main menu"
DEMO_QUEUE = "support"
# The outcomes a demo agent picks on the desk after a call.
DEMO_DISPOSITIONS: Final[list[dict[str, str]]] = [
    {"code": "resolved", "label": "Resolved"},
    {"code": "follow_up", "label": "Needs follow-up"},
    {"code": "complaint", "label": "Complaint"},
    {"code": "wrong_number", "label": "Wrong number"},
]
DEMO_AGENTS = ("1001", "1002")
# The demo's people (a contract: outside checks sign in as them): an agent
# user per demo agent, tied to its extension, and a supervisor whose phone is
# extension 1009.  They share HOTLINE_DEMO_USER_PASSWORD.
DEMO_SUPERVISOR_EXTENSION = "1009"
DEMO_USERS: tuple[tuple[str, str, str, str | None], ...] = (
    ("agent1001", "Agent 1001", "agent", "1001"),
    ("agent1002", "Agent 1002", "agent", "1002"),
    ("supervisor", "Supervisor", "supervisor", DEMO_SUPERVISOR_EXTENSION),
    # The demo departments' staff (issue 16): cases routed to 营业部 and 供水部.
    ("billing", "营业部 Billing", "case handler", None),
    ("supply", "供水部 Water supply", "case handler", None),
)
DEMO_ROLE_GROUPS = {
    "agent": "Agents",
    "supervisor": "Supervisors",
    "case handler": "Case handlers",
}
# (code, digits after *23, English, Chinese): the reasons the agents page
# offered before the list moved to the database; the first is the default.
DEMO_PAUSE_REASONS = (
    ("break", "1", "Break", "休息"),
    ("lunch", "2", "Lunch", "午餐"),
    ("meeting", "3", "Meeting", "会议"),
    ("training", "4", "Training", "培训"),
    ("other", "5", "Other", "其他"),
)


async def publish_version(flow: Flow, definition: dict[str, Any], published_by: str) -> FlowVersion:
    last = await FlowVersion.filter(flow=flow).order_by("-version").first()
    version = await FlowVersion.create(
        flow=flow,
        version=(last.version + 1) if last else 1,
        definition=definition,
        published_by=published_by,
    )
    flow.published_version_id = version.id
    await flow.save(update_fields=["published_version_id", "updated_at"])
    return version


async def seed_roles() -> None:
    """Built-in roles exist and carry exactly their built-in permissions."""
    for name, permissions in BUILTIN_ROLES.items():
        role, created = await Role.get_or_create(
            name=name, defaults={"builtin": True, "permissions": sorted(permissions)}
        )
        if not created and (not role.builtin or set(role.permissions) != permissions):
            role.builtin = True
            role.permissions = sorted(permissions)
            await role.save(update_fields=["builtin", "permissions"])


async def seed_pause_reasons(tenant: Tenant) -> None:
    """Add the demo reasons a tenant lacks.  One whose code exists (perhaps
    edited or deactivated) is left alone, and so are digits already taken."""
    for position, (code, digits, label_en, label_zh) in enumerate(DEMO_PAUSE_REASONS, 1):
        if await PauseReason.filter(Q(code=code) | Q(digits=digits), tenant=tenant).exists():
            continue
        await PauseReason.create(
            tenant=tenant,
            code=code,
            digits=digits,
            label_en=label_en,
            label_zh=label_zh,
            position=position * 10,
        )


async def seed_demo_line(tenant_id: int, name: str, definition: dict[str, Any], did: str) -> None:
    """A demo flow published under ``name`` and its DID, each created once:
    an administrator's edits (or another use of the number) stay."""
    flow = await Flow.get_or_none(tenant_id=tenant_id, name=name)
    if flow is None:
        flow = await Flow.create(tenant_id=tenant_id, name=name, draft=definition)
        await publish_version(flow, definition, "seed")
    if not await Did.exists(number=did):
        await Did.create(number=did, tenant_id=tenant_id, flow=flow)


async def _follow_demo_updates(flow: Flow, main_menu: dict[str, Any]) -> None:
    """A demo flow nobody edited (draft = the seed's last publish) follows
    the demo as features land; an edited one is left alone."""
    published = await FlowVersion.get_or_none(id=flow.published_version_id)
    if (
        published is not None
        and published.published_by == "seed"
        and flow.draft == published.definition
        and published.definition != main_menu
    ):
        flow.draft = main_menu
        await flow.save(update_fields=["draft", "updated_at"])
        await publish_version(flow, main_menu, "seed")


class FeatureDemo(Protocol):
    """A feature's part of the demo (voicemail boxes, the fax document),
    seeded into the demo tenant after its queue and agents exist.  Features
    sit above the kernel, so the composition (``ari_apps/demo_data.py``)
    hands them in."""

    def __call__(self, settings: Settings, *, tenant_id: int) -> Awaitable[None]: ...


def demo_secret_hash(secret: str) -> str:
    """argon2 hash of a demo PIN or password (the tests make it cheap here)."""
    return PasswordHasher().hash(secret)


async def seed_demo(
    settings: Settings, main_menu: dict[str, Any], features: Sequence[FeatureDemo] = ()
) -> None:
    tenant, _ = await Tenant.get_or_create(name=DEMO_TENANT)

    flow = await Flow.get_or_none(tenant=tenant, name=DEMO_FLOW)
    if flow is None:
        flow = await Flow.create(tenant=tenant, name=DEMO_FLOW, draft=main_menu)
    if flow.published_version_id is None:
        await publish_version(flow, flow.draft, "seed")
    else:
        await _follow_demo_updates(flow, main_menu)
    if not await Did.exists(number=DEMO_DID):
        await Did.create(number=DEMO_DID, tenant=tenant, flow=flow)

    queue = await Queue.get_or_none(name=DEMO_QUEUE)
    if queue is None:
        queue = await Queue.create(
            tenant=tenant,
            name=DEMO_QUEUE,
            strategy="longest-idle",
            ring_timeout_s=15,
            wrapup_s=3,
            announce_every_s=30,
            # The demo queue records every call (issue 14's contract).
            record_policy="all",
            recording_retention_days=90,
            disposition_codes=DEMO_DISPOSITIONS,
        )
    for extension in DEMO_AGENTS:
        agent = await Agent.get_or_none(extension=extension)
        if agent is None:
            agent = await Agent.create(
                tenant=tenant,
                extension=extension,
                name=f"Agent {extension}",
                sip_password=settings.demo_sip_password,
                logged_in=True,
            )
        await QueueMember.get_or_create(queue=queue, agent=agent)
    await seed_pause_reasons(tenant)

    await add_configured_hosts(tenant, settings.lookup_allowed_hosts)

    await seed_roles()
    admins, _ = await UserGroup.get_or_create(name="Administrators")
    if not await admins.roles.filter(name="administrator").exists():
        await admins.roles.add(await Role.get(name="administrator"))
    if not await User.exists(username=settings.admin_user):
        admin = await User.create(
            username=settings.admin_user,
            password_hash=demo_secret_hash(settings.admin_password),
            display_name="Administrator",
            phone_extension=DEMO_AGENTS[0],
            tenant=tenant,
        )
        await admin.groups.add(admins)
    await _seed_demo_users(settings, tenant)
    await seed_case_departments(tenant.id, settings.admin_user)
    # After the departments and their people: the knowledge base's demo
    # articles are written by a department and approved by the supervisor.
    for feature in features:
        await feature(settings, tenant_id=tenant.id)
    await seed_demo_customers(tenant.id)
    digest = token_digest(settings.api_token)
    # HOTLINE_API_TOKEN names the one seeded token: when it changes, the one
    # seeded before stops working instead of staying valid for ever.
    await ApiToken.filter(name=SEEDED_TOKEN_NAME).exclude(token_sha256=digest).delete()
    # Every action of an administrator; expires HOTLINE_API_TOKEN_TTL_DAYS
    # after it was first seeded (0: never); once revoked it stays revoked.
    await api_tokens.ensure_seeded(
        SEEDED_TOKEN_NAME, settings.api_token, settings.api_token_ttl_days
    )
    await adopt_tenantless_rows(tenant)


async def _seed_demo_users(settings: Settings, tenant: Tenant) -> None:
    """The demo's agent and supervisor users, created once (a changed password stays)."""
    if not settings.demo_user_password:
        return  # no generated secret (a bare test database): no demo people
    for username, display_name, role, extension in DEMO_USERS:
        group, _ = await UserGroup.get_or_create(
            name=DEMO_ROLE_GROUPS[role], defaults={"tenant": tenant}
        )
        if not await group.roles.filter(name=role).exists():
            await group.roles.add(await Role.get(name=role))
        if await User.exists(username=username):
            continue
        user = await User.create(
            username=username,
            password_hash=demo_secret_hash(settings.demo_user_password),
            display_name=display_name,
            phone_extension=extension,
            tenant=tenant,
        )
        await user.groups.add(group)


async def seed_case_departments(tenant_id: int, admin_user: str) -> None:
    """The demo's departments (centre, 营业部 billing, 供水部 supply), its code
    lists, and who is where: the centre's agents and supervisor (who leads
    it), and each department's handler (who leads their own)."""
    await directory.ensure_defaults(tenant_id)
    for code, name, name_en, parent in directory.DEMO_DEPARTMENTS[1:]:
        if not await Department.filter(tenant_id=tenant_id, code=code).exists():
            await Department.create(
                tenant_id=tenant_id, code=code, name=name, name_en=name_en, parent_code=parent
            )
    places = (
        (admin_user, directory.CENTRE, True),
        ("supervisor", directory.CENTRE, True),
        ("agent1001", directory.CENTRE, False),
        ("agent1002", directory.CENTRE, False),
        ("billing", "billing", True),
        ("supply", "supply", True),
    )
    for username, department, lead in places:
        if not await DepartmentMember.filter(tenant_id=tenant_id, username=username).exists():
            await DepartmentMember.create(
                tenant_id=tenant_id, username=username, department_code=department, lead=lead
            )


async def adopt_tenantless_rows(tenant: Tenant) -> None:
    """Rows from before tenants belong to the home tenant.

    Not the audit log: it is append-only, and its rows without a tenant are
    read as the home tenant's.

    Idempotent and cheap (nothing to do after the first start of an
    upgraded database); runs at every start, like the seeded token.
    """
    for model in (User, ApiToken, UserGroup, Mailbox, Prompt, BusinessCalendar):
        await model.filter(tenant_id=None).update(tenant_id=tenant.id)
    for fax_model in (FaxDocument, FaxJob, FaxDid):
        await fax_model.filter(tenant_id=None).update(tenant_id=tenant.id)
    # A built-in role has no tenant on purpose: every tenant shares it.
    await Role.filter(tenant_id=None, builtin=False).update(tenant_id=tenant.id)
