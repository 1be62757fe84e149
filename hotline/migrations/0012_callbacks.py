from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0011_browser_phone")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Callback",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("tenant_id", fields.IntField(db_index=True)),
                ("number", fields.CharField(max_length=32)),
                ("call_id", fields.CharField(null=True, max_length=64)),
                ("queue", fields.CharField(null=True, max_length=64)),
                ("agent", fields.CharField(max_length=32)),
                ("due_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ("notes", fields.TextField(default="", unique=False)),
                ("state", fields.CharField(default="scheduled", db_index=True, max_length=16)),
                ("attempts", fields.IntField(default=0)),
                ("last_result", fields.CharField(default="", max_length=32)),
                ("created_by", fields.CharField(max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={"table": "callback", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
    ]
