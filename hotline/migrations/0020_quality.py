from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0019_customers")]

    initial = False

    operations = [
        ops.CreateModel(
            name="QaForm",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("tenant_id", fields.IntField(db_index=True)),
                ("name", fields.CharField(max_length=64)),
                ("items", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("active", fields.BooleanField(default=True)),
                ("updated_by", fields.CharField(default="", max_length=64)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "qa_form",
                "app": "models",
                "unique_together": (("tenant_id", "name"),),
                "pk_attr": "id",
                "table_description": "A score sheet (评分表): items, each worth points, some critical.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="QaReview",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("tenant_id", fields.IntField(db_index=True)),
                ("call_id", fields.CharField(db_index=True, max_length=64)),
                ("agent", fields.CharField(db_index=True, max_length=32)),
                (
                    "form",
                    fields.ForeignKeyField(
                        "models.QaForm",
                        source_field="form_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="reviews",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("state", fields.CharField(default="pending", db_index=True, max_length=12)),
                ("items", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("points", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ("score", fields.FloatField(null=True)),
                ("tags", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("comment", fields.TextField(default="", unique=False)),
                ("sampled_by", fields.CharField(max_length=64)),
                ("sampled_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "call_started_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
                ("inspector", fields.CharField(default="", max_length=64)),
                ("scored_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("appeal_reason", fields.TextField(default="", unique=False)),
                (
                    "appealed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("decision", fields.CharField(default="", max_length=12)),
                ("decision_note", fields.TextField(default="", unique=False)),
                ("final_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "qa_review",
                "app": "models",
                "unique_together": (("tenant_id", "call_id", "agent"),),
                "pk_attr": "id",
                "table_description": "One recorded call under review, for one agent, on one sheet.",
            },
            bases=["Model"],
        ),
    ]
