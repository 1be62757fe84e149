from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0022_case_confidential")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Case",
            name="complex",
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name="Case",
            name="progress_due",
            field=fields.DatetimeField(
                null=True, db_index=True, auto_now=False, auto_now_add=False
            ),
        ),
        ops.AddField(
            model_name="Case",
            name="progress_told",
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
