from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0010_saved_reports")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Agent",
            name="phone",
            field=fields.CharField(max_length=16, default="sip", db_default="sip"),
        ),
    ]
