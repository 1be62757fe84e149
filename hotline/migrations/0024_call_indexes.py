from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0023_case_progress")]

    initial = False

    operations = [
        ops.AddIndex(
            model_name="CallEvent",
            index=Index(fields=["call_id"]),
        ),
        ops.AddIndex(
            model_name="CallEvent",
            index=Index(fields=["kind", "at"]),
        ),
        ops.AddIndex(
            model_name="CallRecord",
            index=Index(fields=["started_at"]),
        ),
        ops.AddIndex(
            model_name="CallRecord",
            index=Index(fields=["caller_id", "started_at"]),
        ),
        ops.AddIndex(
            model_name="CallRecord",
            index=Index(fields=["agent_extension", "answered_at"]),
        ),
    ]
