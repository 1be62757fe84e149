from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.data import JSON_DUMPS
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0009_webhooks")]

    initial = False

    operations = [
        ops.CreateModel(
            name="SavedReport",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("tenant_id", fields.IntField(db_index=True)),
                ("name", fields.CharField(max_length=80)),
                ("kind", fields.CharField(max_length=32)),
                ("by", fields.CharField(default="", max_length=16)),
                ("columns", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("filters", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ("owner", fields.CharField(max_length=64)),
                ("shared_role", fields.CharField(null=True, max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "saved_report",
                "app": "models",
                "unique_together": (("tenant_id", "name"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
