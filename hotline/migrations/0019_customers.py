from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0018_knowledge")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Customer",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("tenant_id", fields.IntField(db_index=True)),
                ("name", fields.CharField(max_length=64)),
                ("account_number", fields.CharField(default="", db_index=True, max_length=32)),
                ("id_number", fields.CharField(default="", max_length=32)),
                ("address", fields.CharField(default="", max_length=200)),
                ("email", fields.CharField(default="", max_length=120)),
                ("notes", fields.TextField(default="", unique=False)),
                ("created_by", fields.CharField(max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={"table": "customer", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CustomerMark",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("tenant_id", fields.IntField(db_index=True)),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Customer",
                        source_field="customer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="marks",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("kind", fields.CharField(db_index=True, max_length=16)),
                ("reason", fields.CharField(max_length=200)),
                ("expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_by", fields.CharField(max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("revoked_by", fields.CharField(default="", max_length=64)),
            ],
            options={
                "table": "customer_mark",
                "app": "models",
                "pk_attr": "id",
                "table_description": "VIP, blacklist or nuisance, with why and until when (None: no end).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CustomerNumber",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("tenant_id", fields.IntField(db_index=True)),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Customer",
                        source_field="customer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="numbers",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("number", fields.CharField(max_length=32)),
                ("label", fields.CharField(default="", max_length=16)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "customer_number",
                "app": "models",
                "unique_together": (("tenant_id", "number"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Case",
            name="customer_id",
            field=fields.IntField(null=True, db_index=True),
        ),
    ]
