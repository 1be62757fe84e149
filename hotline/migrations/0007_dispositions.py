from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.data import JSON_DUMPS
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0006_post_call_survey")]

    initial = False

    operations = [
        ops.AddField(
            model_name="CallRecord",
            name="agent_disposition",
            field=fields.CharField(null=True, max_length=32),
        ),
        ops.AddField(
            model_name="CallRecord",
            name="agent_notes",
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name="Queue",
            name="disposition_codes",
            field=fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads),
        ),
    ]
