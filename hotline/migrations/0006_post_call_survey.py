from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0005_call_recordings")]

    initial = False

    operations = [
        ops.CreateModel(
            name="SurveyResponse",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("call_id", fields.CharField(db_index=True, max_length=64)),
                ("tenant_id", fields.IntField(null=True)),
                ("queue", fields.CharField(max_length=64)),
                ("agent_extension", fields.CharField(max_length=32)),
                (
                    "offered_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
                ("rating", fields.IntField(null=True)),
                ("rated_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={"table": "survey_response", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Queue",
            name="survey_flow",
            field=fields.CharField(null=True, max_length=100),
        ),
    ]
