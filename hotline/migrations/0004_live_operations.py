from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0003_tenants_everywhere")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AgentStateLog",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("agent", fields.CharField(max_length=32)),
                ("state", fields.CharField(max_length=16)),
                ("reason", fields.CharField(default="", max_length=64)),
                ("at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "agent_state_log",
                "app": "models",
                "indexes": [Index(fields=["agent", "at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Queue",
            name="short_abandon_s",
            field=fields.IntField(default=5, db_default=5),
        ),
        ops.AddField(
            model_name="Queue",
            name="sl_target_pct",
            field=fields.IntField(default=80, db_default=80),
        ),
        ops.AddField(
            model_name="Queue",
            name="sl_threshold_s",
            field=fields.IntField(default=20, db_default=20),
        ),
    ]
