from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0007_dispositions")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Queue",
            name="familiar_agent_s",
            field=fields.IntField(default=0, db_default=0),
        ),
    ]
