from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0015_cases")]

    initial = False

    operations = [
        ops.CreateModel(
            name="CaseMessage",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("tenant_id", fields.IntField(db_index=True)),
                (
                    "case",
                    fields.ForeignKeyField(
                        "models.Case",
                        source_field="case_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="messages",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("event", fields.CharField(max_length=24)),
                ("channel", fields.CharField(max_length=8)),
                ("to", fields.CharField(max_length=120)),
                ("text", fields.TextField(unique=False)),
                ("status", fields.CharField(default="queued", db_index=True, max_length=8)),
                ("attempts", fields.IntField(default=0)),
                ("last_error", fields.CharField(default="", max_length=200)),
                (
                    "next_attempt_at",
                    fields.DatetimeField(
                        null=True, db_index=True, auto_now=False, auto_now_add=False
                    ),
                ),
                ("gateway_id", fields.CharField(default="", max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("sent_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "case_message",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One SMS or email to the caller of a case: what, to whom, and how its",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="MessageTemplate",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("tenant_id", fields.IntField(db_index=True)),
                ("event", fields.CharField(max_length=24)),
                ("channel", fields.CharField(max_length=8)),
                ("language", fields.CharField(max_length=8)),
                ("text", fields.TextField(unique=False)),
            ],
            options={
                "table": "message_template",
                "app": "models",
                "unique_together": (("tenant_id", "event", "channel", "language"),),
                "pk_attr": "id",
                "table_description": "What a citizen is sent at an event of their case, per channel and",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SimulatedSms",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("to", fields.CharField(max_length=32)),
                ("text", fields.TextField(unique=False)),
                ("reference", fields.CharField(default="", max_length=64)),
                ("received_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "simulated_sms",
                "app": "models",
                "pk_attr": "id",
                "table_description": "What the sandbox's SMS simulator received (platform: the gateway's).",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Case",
            name="caller_email",
            field=fields.CharField(default="", db_default="", max_length=120),
        ),
        ops.AddField(
            model_name="Case",
            name="language",
            field=fields.CharField(default="zh-CN", db_default="zh-CN", max_length=8),
        ),
    ]
