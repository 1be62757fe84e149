from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0014_queue_callbacks")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Case",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("tenant_id", fields.IntField(db_index=True)),
                ("number", fields.CharField(unique=True, max_length=16)),
                ("workflow_id", fields.IntField()),
                ("status", fields.CharField(db_index=True, max_length=16)),
                ("step", fields.IntField(default=0)),
                ("category", fields.CharField(max_length=64)),
                ("category_root", fields.CharField(db_index=True, max_length=64)),
                ("source", fields.CharField(default="phone", max_length=16)),
                ("subject", fields.CharField(max_length=200)),
                ("description", fields.TextField(default="", unique=False)),
                ("address", fields.CharField(default="", max_length=200)),
                ("location", fields.CharField(default="", max_length=64)),
                ("urgency", fields.CharField(default="normal", max_length=16)),
                ("caller_number", fields.CharField(default="", db_index=True, max_length=32)),
                ("caller_name", fields.CharField(default="", max_length=64)),
                ("call_id", fields.CharField(default="", max_length=64)),
                ("ivr_data", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ("owner", fields.CharField(max_length=64)),
                ("first_contact_resolved", fields.BooleanField(default=False)),
                ("awaiting", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("replied", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                (
                    "last_handlers",
                    fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads),
                ),
                (
                    "joint_partners",
                    fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads),
                ),
                ("extension_pending", fields.BooleanField(default=False)),
                ("extensions", fields.IntField(default=0)),
                ("chases", fields.IntField(default=0)),
                ("supervised", fields.BooleanField(default=False, db_index=True)),
                (
                    "deadline",
                    fields.DatetimeField(
                        null=True, db_index=True, auto_now=False, auto_now_add=False
                    ),
                ),
                ("step_started_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("escalation", fields.IntField(default=0)),
                ("result", fields.CharField(default="", max_length=64)),
                ("created_by", fields.CharField(max_length=64)),
                (
                    "created_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True),
                ),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "closed_at",
                    fields.DatetimeField(
                        null=True, db_index=True, auto_now=False, auto_now_add=False
                    ),
                ),
                ("closed_on_time", fields.BooleanField(null=True)),
                ("follow_up_on", fields.DateField(null=True)),
                ("follow_up_by", fields.CharField(default="", max_length=64)),
            ],
            options={"table": "hotline_case", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CaseAction",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "case",
                    fields.ForeignKeyField(
                        "models.Case",
                        source_field="case_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="history",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("username", fields.CharField(max_length=64)),
                ("department", fields.CharField(default="", max_length=32)),
                ("action", fields.CharField(max_length=24)),
                ("targets", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("note", fields.TextField(default="", unique=False)),
                ("status_after", fields.CharField(max_length=16)),
                (
                    "holders_after",
                    fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads),
                ),
                (
                    "deadline_after",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("data", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
            ],
            options={
                "table": "case_action",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One entry of a case's history: one action, who, when, what it said.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CaseAssignment",
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
                        related_name="assignments",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("department", fields.CharField(db_index=True, max_length=32)),
                ("assigned_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "deadline",
                    fields.DatetimeField(
                        null=True, db_index=True, auto_now=False, auto_now_add=False
                    ),
                ),
                ("ended_as", fields.CharField(default="", max_length=16)),
                ("ended_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("extensions", fields.IntField(default=0)),
            ],
            options={
                "table": "case_assignment",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A department's turn at handling a case: from its dispatch (or a",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CaseCode",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("tenant_id", fields.IntField(db_index=True)),
                ("list_name", fields.CharField(max_length=16)),
                ("code", fields.CharField(max_length=64)),
                ("label_zh", fields.CharField(max_length=64)),
                ("label_en", fields.CharField(max_length=64)),
                ("parent_code", fields.CharField(default="", max_length=64)),
                ("position", fields.IntField(default=0)),
                ("active", fields.BooleanField(default=True)),
            ],
            options={
                "table": "case_code",
                "app": "models",
                "unique_together": (("tenant_id", "list_name", "code"),),
                "pk_attr": "id",
                "table_description": "Code lists (数据字典): categories (a tree), sources, urgencies, results.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CaseNotice",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("tenant_id", fields.IntField(db_index=True)),
                ("username", fields.CharField(db_index=True, max_length=64)),
                ("case_id", fields.IntField(null=True)),
                ("kind", fields.CharField(max_length=24)),
                ("text", fields.CharField(max_length=300)),
                (
                    "created_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True),
                ),
                ("read_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "case_notice",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A notice to a user (待办 messages): clicking it opens the case.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CaseWorkflow",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("tenant_id", fields.IntField(db_index=True)),
                ("name", fields.CharField(max_length=64)),
                ("definition", fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ("is_default", fields.BooleanField(default=False)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "case_workflow",
                "app": "models",
                "unique_together": (("tenant_id", "name"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Department",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("tenant_id", fields.IntField(db_index=True)),
                ("code", fields.CharField(max_length=32)),
                ("name", fields.CharField(max_length=64)),
                ("name_en", fields.CharField(default="", max_length=64)),
                ("parent_code", fields.CharField(default="", max_length=32)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "department",
                "app": "models",
                "unique_together": (("tenant_id", "code"),),
                "pk_attr": "id",
                "table_description": "A node of the tenant's hierarchy: centre → bureau/department → team.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="DepartmentMember",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("tenant_id", fields.IntField(db_index=True)),
                ("department_code", fields.CharField(max_length=32)),
                ("username", fields.CharField(db_index=True, max_length=64)),
                ("lead", fields.BooleanField(default=False)),
            ],
            options={
                "table": "department_member",
                "app": "models",
                "unique_together": (("tenant_id", "username"),),
                "pk_attr": "id",
                "table_description": "A user's place in a department; a lead is the department's superior",
            },
            bases=["Model"],
        ),
    ]
