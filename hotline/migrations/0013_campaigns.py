from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0012_callbacks")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Campaign",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("tenant_id", fields.IntField(db_index=True)),
                ("name", fields.CharField(max_length=100)),
                ("kind", fields.CharField(default="notification", max_length=16)),
                ("state", fields.CharField(default="draft", db_index=True, max_length=16)),
                ("message_prompt", fields.CharField(default="sound:hello-world", max_length=200)),
                ("flow", fields.CharField(default="", max_length=100)),
                ("entry_node", fields.CharField(default="", max_length=100)),
                ("queue", fields.CharField(default="", max_length=64)),
                ("caller_id", fields.CharField(default="", max_length=32)),
                ("max_attempts", fields.IntField(default=3)),
                ("retry_delay_s", fields.IntField(default=600)),
                ("retry_policy", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ("call_window", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ("amd_enabled", fields.BooleanField(default=True)),
                ("amd_params", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ("machine_action", fields.CharField(default="hang_up", max_length=16)),
                ("machine_message_prompt", fields.CharField(default="", max_length=200)),
                ("max_concurrent", fields.IntField(default=2)),
                ("calls_per_second", fields.FloatField(default=1.0)),
                ("ring_timeout_s", fields.IntField(default=25)),
                ("abandon_cap_pct", fields.FloatField(default=3.0)),
                ("dial_ratio", fields.FloatField(default=1.0)),
                ("country", fields.CharField(default="CN", max_length=2)),
                (
                    "last_import_rejected",
                    fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads),
                ),
                (
                    "last_import_columns",
                    fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads),
                ),
                (
                    "scheduled_start",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("created_by", fields.CharField(default="", max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "campaign",
                "app": "models",
                "unique_together": (("tenant_id", "name"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CampaignContact",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("tenant_id", fields.IntField(db_index=True)),
                (
                    "campaign",
                    fields.ForeignKeyField(
                        "models.Campaign",
                        source_field="campaign_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="contacts",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("phone", fields.CharField(max_length=32)),
                ("name", fields.CharField(default="", max_length=100)),
                ("timezone", fields.CharField(null=True, max_length=64)),
                ("priority", fields.IntField(default=0)),
                (
                    "custom_fields",
                    fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads),
                ),
                ("state", fields.CharField(default="pending", db_index=True, max_length=16)),
                (
                    "next_attempt_at",
                    fields.DatetimeField(
                        null=True, db_index=True, auto_now=False, auto_now_add=False
                    ),
                ),
                ("attempts", fields.IntField(default=0)),
                ("last_outcome", fields.CharField(default="", max_length=16)),
                ("final_reason", fields.CharField(default="", max_length=64)),
                ("source", fields.CharField(default="api", max_length=16)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "campaign_contact",
                "app": "models",
                "unique_together": (("campaign", "phone"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CampaignAttempt",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("tenant_id", fields.IntField(db_index=True)),
                (
                    "campaign",
                    fields.ForeignKeyField(
                        "models.Campaign",
                        source_field="campaign_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="attempts",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "contact",
                    fields.ForeignKeyField(
                        "models.CampaignContact",
                        source_field="contact_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="attempts_made",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("phone", fields.CharField(max_length=32)),
                ("number", fields.IntField(default=1)),
                ("channel_id", fields.CharField(null=True, unique=True, max_length=64)),
                ("state", fields.CharField(default="dialing", db_index=True, max_length=16)),
                ("outcome", fields.CharField(default="", max_length=16)),
                ("amd_status", fields.CharField(default="", max_length=16)),
                ("amd_cause", fields.CharField(default="", max_length=64)),
                ("hangup_cause", fields.IntField(null=True)),
                ("detail", fields.CharField(default="", max_length=100)),
                ("agent", fields.CharField(default="", max_length=32)),
                ("answers", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                (
                    "started_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "answered_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("ended_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={"table": "campaign_attempt", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="DncNumber",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("tenant_id", fields.IntField(db_index=True)),
                (
                    "campaign",
                    fields.ForeignKeyField(
                        "models.Campaign",
                        source_field="campaign_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="dnc",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("phone", fields.CharField(max_length=32)),
                ("reason", fields.CharField(default="", max_length=100)),
                ("created_by", fields.CharField(default="", max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "dnc_number",
                "app": "models",
                "pk_attr": "id",
                "table_description": "Do not call: the tenant's global list (campaign None) or one campaign's.",
            },
            bases=["Model"],
        ),
    ]
