from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0020_quality")]

    initial = False

    operations = [
        ops.CreateModel(
            name="CaseAttachment",
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
                        related_name="attachments",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "action",
                    fields.ForeignKeyField(
                        "models.CaseAction",
                        source_field="action_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="attachments",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("filename", fields.CharField(max_length=128)),
                ("content_type", fields.CharField(max_length=100)),
                ("size_bytes", fields.IntField()),
                ("sha256", fields.CharField(max_length=64)),
                ("path", fields.CharField(max_length=500)),
                ("uploaded_by", fields.CharField(max_length=64)),
                ("uploaded_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "case_attachment",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A file given with an action on a case (hotline/cases/attachments.py).",
            },
            bases=["Model"],
        ),
    ]
