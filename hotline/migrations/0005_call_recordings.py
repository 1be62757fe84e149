from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0004_live_operations")]

    initial = False

    operations = [
        ops.CreateModel(
            name="CallRecording",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("call_id", fields.CharField(db_index=True, max_length=64)),
                ("tenant_id", fields.IntField(null=True)),
                ("queue", fields.CharField(null=True, max_length=64)),
                ("agent_extension", fields.CharField(null=True, max_length=32)),
                ("caller_id", fields.CharField(default="", max_length=64)),
                (
                    "started_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
                ("ended_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("duration_s", fields.FloatField(null=True)),
                ("size_bytes", fields.IntField(null=True)),
                ("channels", fields.IntField(default=2)),
                ("file_path", fields.CharField(null=True, max_length=255)),
                ("status", fields.CharField(default="recording", max_length=16)),
                ("removed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("removed_reason", fields.CharField(default="", max_length=200)),
            ],
            options={"table": "call_recording", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Queue",
            name="record_policy",
            field=fields.CharField(default="none", db_default="none", max_length=8),
        ),
        ops.AddField(
            model_name="Queue",
            name="record_sample_pct",
            field=fields.IntField(default=100, db_default=100),
        ),
        ops.AddField(
            model_name="Queue",
            name="recording_retention_days",
            field=fields.IntField(null=True),
        ),
    ]
