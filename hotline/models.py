"""Tortoise ORM models: the persistent state of a Hotline tenant.

Live call state belongs to the pure cores; what is stored here is what must
survive a restart (flows, queues, agents, waiting callers) and what reports
read later (call records and their timelines).
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Tenant(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)

    class Meta:
        table = "tenant"


class Flow(Model):
    id = fields.IntField(primary_key=True)
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="flows"
    )
    name = fields.CharField(max_length=100)
    draft: Any = fields.JSONField()
    updated_at = fields.DatetimeField(auto_now=True)
    # The FlowVersion id that new calls run.  A plain column, not a foreign
    # key: Flow -> FlowVersion -> Flow would be a cycle Tortoise cannot create.
    published_version_id = fields.IntField(null=True)

    class Meta:
        table = "flow"
        unique_together = (("tenant", "name"),)


class FlowVersion(Model):
    """An immutable published version; a call keeps the version it started with."""

    id = fields.IntField(primary_key=True)
    flow: fields.ForeignKeyRelation[Flow] = fields.ForeignKeyField(
        "models.Flow", related_name="versions"
    )
    version = fields.IntField()
    definition: Any = fields.JSONField()
    published_at = fields.DatetimeField(auto_now_add=True)
    published_by = fields.CharField(max_length=100, default="")

    class Meta:
        table = "flow_version"
        unique_together = (("flow", "version"),)


class Did(Model):
    number = fields.CharField(max_length=32, primary_key=True)
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="dids"
    )
    flow: fields.ForeignKeyRelation[Flow] = fields.ForeignKeyField(
        "models.Flow", related_name="dids"
    )

    class Meta:
        indexes = (
            ("tenant_id",),
            ("flow_id",),
        )
        table = "did"


class Queue(Model):
    id = fields.IntField(primary_key=True)
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="queues"
    )
    name = fields.CharField(max_length=64, unique=True)
    strategy = fields.CharField(max_length=32, default="longest-idle")
    ring_timeout_s = fields.IntField(default=15)
    wrapup_s = fields.IntField(default=5)
    max_wait_s = fields.IntField(null=True)
    overflow_kind = fields.CharField(max_length=16, null=True)
    overflow_target = fields.CharField(max_length=64, null=True)
    join_empty = fields.BooleanField(default=True)
    leave_empty = fields.BooleanField(default=False)
    announce_every_s = fields.IntField(null=True)
    announce_ewt = fields.BooleanField(default=True)
    moh_class = fields.CharField(max_length=64, default="default")
    required_skills: Any = fields.JSONField(default=dict)
    max_misses = fields.IntField(default=2)
    vip_caller_ids: Any = fields.JSONField(default=list)
    vip_priority = fields.IntField(default=10)
    # The queue's figures (hotline/metrics; defaults are METRICS.md's): the
    # service level is answered within sl_threshold_s, against sl_target_pct;
    # abandons within short_abandon_s are left out of the rates.
    sl_threshold_s = fields.IntField(default=20, db_default=20)
    sl_target_pct = fields.IntField(default=80, db_default=80)
    short_abandon_s = fields.IntField(default=5, db_default=5)
    # A returning caller waits this long for the agent who last served them
    # (OP-04's "familiar agent"); 0: off.
    familiar_agent_s = fields.IntField(default=0, db_default=0)
    # Recordings (hotline/recordings): "none", "all" or "sample" (a
    # record_sample_pct share of answered calls); files older than
    # recording_retention_days are purged daily (None keeps them).
    record_policy = fields.CharField(max_length=8, default="none", db_default="none")
    record_sample_pct = fields.IntField(default=100, db_default=100)
    recording_retention_days = fields.IntField(null=True)
    # The flow (by name, in the queue's tenant) a caller is handed to when
    # the agent hangs up first: the post-call survey.  None: no survey.
    survey_flow = fields.CharField(max_length=100, null=True)
    # The outcomes an agent picks for a call of this queue on the desk
    # (dispositions), in order: [{"code": ..., "label": ...}].
    disposition_codes: Any = fields.JSONField(null=True)  # None: none yet

    class Meta:
        indexes = (("tenant_id",),)
        table = "queue"


class Agent(Model):
    id = fields.IntField(primary_key=True)
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="agents"
    )
    extension = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=100, default="")
    sip_password = fields.CharField(max_length=128)
    # "sip": a desk phone (plain RTP); "browser": the desk's WebRTC phone
    # (websocket transport, DTLS-SRTP, ICE).  One PJSIP endpoint cannot serve
    # both: webrtc=yes makes Asterisk refuse a plain RTP offer.
    phone = fields.CharField(max_length=16, default="sip", db_default="sip")
    skills: Any = fields.JSONField(default=dict)
    # Persisted so a restart keeps who is logged in and paused.
    logged_in = fields.BooleanField(default=False)
    paused = fields.BooleanField(default=False)
    pause_reason = fields.CharField(max_length=64, default="")

    class Meta:
        indexes = (("tenant_id",),)
        table = "agent"


class QueueMember(Model):
    id = fields.IntField(primary_key=True)
    queue: fields.ForeignKeyRelation[Queue] = fields.ForeignKeyField(
        "models.Queue", related_name="members"
    )
    agent: fields.ForeignKeyRelation[Agent] = fields.ForeignKeyField(
        "models.Agent", related_name="memberships"
    )
    penalty = fields.IntField(default=0)

    class Meta:
        indexes = (("agent_id",),)
        table = "queue_member"
        unique_together = (("queue", "agent"),)


class WaitingCaller(Model):
    """A caller waiting in a queue, persisted so a restart keeps their place."""

    call_id = fields.CharField(max_length=64, primary_key=True)
    queue = fields.CharField(max_length=64)
    priority = fields.IntField(default=0)
    caller_id = fields.CharField(max_length=64, default="")
    joined_at = fields.FloatField()
    bridge_id = fields.CharField(max_length=64)

    class Meta:
        table = "waiting_caller"


class ConnectedCall(Model):
    """A caller bridged to an agent, persisted so a restart can adopt the pair."""

    call_id = fields.CharField(max_length=64, primary_key=True)
    queue = fields.CharField(max_length=64)
    agent_extension = fields.CharField(max_length=32)
    agent_channel_id = fields.CharField(max_length=64)
    bridge_id = fields.CharField(max_length=64)
    answered_at = fields.FloatField()

    class Meta:
        table = "connected_call"


class CallRecord(Model):
    call_id = fields.CharField(max_length=64, primary_key=True)
    tenant_id = fields.IntField(null=True)
    did = fields.CharField(max_length=32, default="")
    caller_id = fields.CharField(max_length=64, default="")
    flow_version_id = fields.IntField(null=True)
    queue = fields.CharField(max_length=64, null=True)
    agent_extension = fields.CharField(max_length=32, null=True)
    started_at = fields.DatetimeField()
    answered_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)
    disposition = fields.CharField(max_length=32, null=True)
    # What the agent recorded on the desk: one of the queue's disposition
    # codes and free notes (the call's outcome for the business).
    agent_disposition = fields.CharField(max_length=32, null=True)
    agent_notes = fields.TextField(null=True)

    class Meta:
        table = "call_record"
        # A hotline keeps millions of these; without them every report, the
        # desk's caller history and the familiar-agent lookup made on a call
        # read the whole table (tests/unit/test_indexes.py).
        indexes = (
            ("started_at",),
            ("caller_id", "started_at"),
            ("agent_extension", "answered_at"),
        )


class CallEvent(Model):
    """One entry of a call's timeline: entered, ivr input, queued, offered, ..."""

    id = fields.IntField(primary_key=True)
    call: fields.ForeignKeyRelation[CallRecord] = fields.ForeignKeyField(
        "models.CallRecord", related_name="events"
    )
    at = fields.DatetimeField()
    kind = fields.CharField(max_length=32)
    data: Any = fields.JSONField(default=dict)

    class Meta:
        table = "call_event"
        ordering = ("id",)
        # A call's timeline by its call (the call page, the desk's screen
        # pop, lookups on the call), and queue visits by kind and time (the
        # METRICS.md figures); about a dozen rows a call.
        indexes = (("call_id",), ("kind", "at"))


class Role(Model):
    """A named set of permissions, each "function:action" (e.g. "flows:publish")."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    builtin = fields.BooleanField(default=False)
    permissions: Any = fields.JSONField(default=list)

    # A custom role's tenant; NULL for the built-in roles every tenant shares.
    tenant: fields.ForeignKeyNullableRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="roles", null=True
    )
    tenant_id: int | None  # the column behind ``tenant``, for type checkers

    class Meta:
        indexes = (("tenant_id",),)
        table = "role"


class UserGroup(Model):
    """The seeds' model: users belong to groups, groups carry roles.

    A non-empty ``ip_allowlist`` (CIDRs) restricts where members may sign in
    and work from.
    """

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    ip_allowlist: Any = fields.JSONField(default=list)
    roles: fields.ManyToManyRelation[Role] = fields.ManyToManyField(
        "models.Role", related_name="groups", through="user_group_role"
    )

    # The owning tenant (hotline/tenancy.py).  NULL only on rows from before
    # tenants; every start gives them the home tenant (hotline/seed.py).
    tenant: fields.ForeignKeyNullableRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="user_groups", null=True
    )
    tenant_id: int | None  # the column behind ``tenant``, for type checkers

    class Meta:
        indexes = (("tenant_id",),)
        table = "user_group"


class User(Model):
    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    password_hash = fields.CharField(max_length=255)
    display_name = fields.CharField(max_length=100, default="")
    language = fields.CharField(max_length=8, default="en")
    is_active = fields.BooleanField(default=True)
    # The phone a "test call" rings for this user (an agent extension).
    phone_extension = fields.CharField(max_length=32, null=True)
    # The tenant the user works in: every query of theirs sees only its rows
    # (hotline/tenancy.py).  NULL only on rows from before tenants; every
    # start gives them the home tenant (hotline/seed.py).
    tenant: fields.ForeignKeyNullableRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="users", null=True
    )
    tenant_id: int | None  # the column behind ``tenant``, for type checkers
    groups: fields.ManyToManyRelation[UserGroup] = fields.ManyToManyField(
        "models.UserGroup", related_name="users", through="user_group_member"
    )

    class Meta:
        indexes = (("tenant_id",),)
        table = "user"


class AuditEntry(Model):
    """Append-only record of every change through the UI or the API."""

    id = fields.IntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True)
    username = fields.CharField(max_length=64)
    ip = fields.CharField(max_length=64, default="")
    source = fields.CharField(max_length=8, default="ui")  # "ui" or "api"
    action = fields.CharField(max_length=64)
    object_type = fields.CharField(max_length=64)
    object_id = fields.CharField(max_length=128, default="")
    before: Any = fields.JSONField(null=True)
    after: Any = fields.JSONField(null=True)

    # The tenant whose user or token acted; NULL for the rows written before
    # tenants (the home tenant's: append-only rows are never backfilled) and
    # for PSTN-side events, which have no tenant.
    tenant_id = fields.IntField(null=True)

    class Meta:
        table = "audit_entry"
        ordering = ("-id",)
        # The audit page's filters; each with the tenant, so the filter's
        # drop-down reads its values from the index alone.
        indexes = (
            ("username", "tenant_id"),
            ("action", "tenant_id"),
            ("object_type", "tenant_id"),
            ("at",),
        )

    async def save(self, *args: Any, **kwargs: Any) -> None:
        # The audit log cannot be edited: only new entries may be written.
        if self._saved_in_db:
            raise PermissionError("audit entries are append-only")
        await super().save(*args, **kwargs)

    async def delete(self, *args: Any, **kwargs: Any) -> None:
        raise PermissionError("audit entries are append-only")


class ApiToken(Model):
    """A bearer token of /api/v1 (see hotline/api_tokens.py).  Revoked, never deleted."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64)
    # sha256 of the bearer token; the token itself is never stored.
    token_sha256 = fields.CharField(max_length=64, unique=True)
    # The token's first characters, to tell tokens apart in a list ("" when
    # unknown or when the token is too short to show any of it).
    prefix = fields.CharField(max_length=8, default="", db_default="")
    role = fields.CharField(max_length=32, default="administrator")
    # The API actions the token may use, each one its role allows too.
    # None: every action of its role (the seeded token, older tokens).
    scopes: Any = fields.JSONField(null=True, default=None)
    created_at = fields.DatetimeField(auto_now_add=True)
    created_by = fields.CharField(max_length=64, default="", db_default="")
    expires_at = fields.DatetimeField(null=True, default=None)  # None: never
    revoked_at = fields.DatetimeField(null=True, default=None)
    # Written at most once a minute per token, not on every request.
    last_used_at = fields.DatetimeField(null=True, default=None)
    # The tenant the token works in (NULL only on rows from before tenants;
    # every start gives them the home tenant).
    tenant: fields.ForeignKeyNullableRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="api_tokens", null=True
    )
    tenant_id: int | None  # the column behind ``tenant``, for type checkers

    class Meta:
        indexes = (("tenant_id",),)
        table = "api_token"
