from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0013_campaigns")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Callback",
            name="connected_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Callback",
            name="kind",
            field=fields.CharField(
                default="agent", db_index=True, db_default="agent", max_length=8
            ),
        ),
        ops.AddField(
            model_name="Callback",
            name="place_since",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Callback",
            name="priority",
            field=fields.IntField(default=0, db_default=0),
        ),
    ]
