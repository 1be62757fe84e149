from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0016_case_messages")]

    initial = False

    operations = [
        ops.CreateModel(
            name="FollowUp",
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
                        related_name="follow_ups",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("assigned_to", fields.CharField(db_index=True, max_length=64)),
                ("assigned_by", fields.CharField(max_length=64)),
                ("assigned_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("state", fields.CharField(default="pending", db_index=True, max_length=12)),
                ("satisfaction", fields.CharField(default="", max_length=20)),
                ("solved", fields.BooleanField(null=True)),
                ("note", fields.TextField(default="", unique=False)),
                ("not_reached_reason", fields.CharField(default="", max_length=64)),
                ("attempts", fields.IntField(default=0)),
                ("last_callback_id", fields.IntField(null=True)),
                (
                    "done_at",
                    fields.DatetimeField(
                        null=True, db_index=True, auto_now=False, auto_now_add=False
                    ),
                ),
            ],
            options={
                "table": "follow_up",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A follow-up visit (回访) of a closed case: assigned by a team lead to a",
            },
            bases=["Model"],
        ),
    ]
