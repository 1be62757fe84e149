"""Outbound dialing campaigns (自动外呼): notices, payment reminders, surveys,
follow-ups and agent campaigns (``ari_apps/campaigns``).

A campaign dials its contacts through ``[to-pstn]``.  Every dialled call is
one ``CampaignAttempt`` row, written before the call is placed, so a
restart or a kill neither loses a contact nor dials one twice: the row of a
call that was in progress when Hotline stopped is settled on the next start
(``ari_apps.campaigns.services.settle_interrupted``), and the contact then
follows its retry rules.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Campaign(Model):
    id = fields.IntField(primary_key=True)
    tenant_id = fields.IntField(db_index=True)
    name = fields.CharField(max_length=100)
    # notification | survey | preview | progressive | predictive
    kind = fields.CharField(max_length=16, default="notification")
    # draft | running | paused | stopped | finished (ari_apps.campaigns.core)
    state = fields.CharField(max_length=16, default="draft", db_index=True)
    # What an answered callee hears without a flow: sound:/prompt: media.
    message_prompt = fields.CharField(max_length=200, default="sound:hello-world")
    # Answered calls enter this published flow at this node (survey; a
    # notification that speaks list fields).  Empty: the message above.
    flow = fields.CharField(max_length=100, default="")
    entry_node = fields.CharField(max_length=100, default="")
    # Agent campaigns: the queue whose agents take the answered calls.
    queue = fields.CharField(max_length=64, default="")
    caller_id = fields.CharField(max_length=32, default="")
    # Retries: ari_apps.campaigns.policy.RetryPolicy as JSON.
    max_attempts = fields.IntField(default=3)
    retry_delay_s = fields.IntField(default=600)
    retry_policy: Any = fields.JSONField(default=dict)
    # Call window in the callee's local time: {"timezone", "hours", "holidays"}
    # or {"calendar": NAME}; empty: any time.
    call_window: Any = fields.JSONField(default=dict)
    # Answering machines: detection on/off, AMD() parameters, and what a
    # machine gets (hang_up | leave_message | retry).
    amd_enabled = fields.BooleanField(default=True)
    amd_params: Any = fields.JSONField(default=dict)
    machine_action = fields.CharField(max_length=16, default="hang_up")
    machine_message_prompt = fields.CharField(max_length=200, default="")
    # Pacing (ari_apps.campaigns.pacing): caps and the abandon cap.
    max_concurrent = fields.IntField(default=2)
    calls_per_second = fields.FloatField(default=1.0)
    ring_timeout_s = fields.IntField(default=25)
    abandon_cap_pct = fields.FloatField(default=3.0)
    dial_ratio = fields.FloatField(default=1.0)
    country = fields.CharField(max_length=2, default="CN")
    # The last list import's rejected rows ({"line", "reason", "values"}) and
    # its columns, for download.
    last_import_rejected: Any = fields.JSONField(default=list)
    last_import_columns: Any = fields.JSONField(default=list)
    # Start automatically at this time (a schedule); None: by hand.
    scheduled_start = fields.DatetimeField(null=True)
    created_by = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "campaign"
        unique_together = (("tenant_id", "name"),)


class CampaignContact(Model):
    id = fields.IntField(primary_key=True)
    tenant_id = fields.IntField(db_index=True)
    campaign: fields.ForeignKeyRelation[Campaign] = fields.ForeignKeyField(
        "models.Campaign", related_name="contacts", on_delete=fields.CASCADE
    )
    phone = fields.CharField(max_length=32)  # E.164
    name = fields.CharField(max_length=100, default="")
    timezone = fields.CharField(max_length=64, null=True)
    priority = fields.IntField(default=0)
    custom_fields: Any = fields.JSONField(default=dict)
    # pending | dialing | done
    state = fields.CharField(max_length=16, default="pending", db_index=True)
    next_attempt_at = fields.DatetimeField(null=True, db_index=True)
    attempts = fields.IntField(default=0)
    last_outcome = fields.CharField(max_length=16, default="")
    final_reason = fields.CharField(max_length=64, default="")
    # import | api | ui | flow
    source = fields.CharField(max_length=16, default="api")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "campaign_contact"
        unique_together = (("campaign", "phone"),)
        # The dialer's pass, every second: a campaign's pending contacts now due.
        indexes = (("campaign_id", "state", "next_attempt_at"),)


class CampaignAttempt(Model):
    id = fields.IntField(primary_key=True)
    tenant_id = fields.IntField(db_index=True)
    campaign: fields.ForeignKeyRelation[Campaign] = fields.ForeignKeyField(
        "models.Campaign", related_name="attempts", on_delete=fields.CASCADE
    )
    contact: fields.ForeignKeyRelation[CampaignContact] = fields.ForeignKeyField(
        "models.CampaignContact", related_name="attempts_made", on_delete=fields.CASCADE
    )
    phone = fields.CharField(max_length=32)
    number = fields.IntField(default=1)  # the contact's attempt number
    channel_id = fields.CharField(max_length=64, null=True, unique=True)
    # dialing | answered | ended
    state = fields.CharField(max_length=16, default="dialing", db_index=True)
    # human | machine | busy | no_answer | failed | abandoned | dnc | outside_window
    outcome = fields.CharField(max_length=16, default="")
    amd_status = fields.CharField(max_length=16, default="")
    amd_cause = fields.CharField(max_length=64, default="")
    hangup_cause = fields.IntField(null=True)
    detail = fields.CharField(max_length=100, default="")
    agent = fields.CharField(max_length=32, default="")
    answers: Any = fields.JSONField(default=dict)
    started_at = fields.DatetimeField(db_index=True)
    answered_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)

    class Meta:
        indexes = (
            ("contact_id",),
            ("campaign_id",),
        )
        table = "campaign_attempt"


class DncNumber(Model):
    """Do not call: the tenant's global list (campaign None) or one campaign's."""

    id = fields.IntField(primary_key=True)
    tenant_id = fields.IntField(db_index=True)
    campaign: fields.ForeignKeyNullableRelation[Campaign] = fields.ForeignKeyField(
        "models.Campaign", related_name="dnc", null=True, on_delete=fields.CASCADE
    )
    # E.164, or a prefix ending in "*".
    phone = fields.CharField(max_length=32)
    reason = fields.CharField(max_length=100, default="")
    created_by = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        indexes = (("campaign_id",),)
        table = "dnc_number"
