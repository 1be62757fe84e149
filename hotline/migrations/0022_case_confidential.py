from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0021_case_attachments")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Case",
            name="confidential",
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
