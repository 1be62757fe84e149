from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name="ApiToken",
            options={
                "table": "api_token",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A bearer token of /api/v1 (see hotline/api_tokens.py).  Revoked, never deleted.",
            },
        ),
        ops.AddField(
            model_name="ApiToken",
            name="created_by",
            field=fields.CharField(default="", db_default="", max_length=64),
        ),
        ops.AddField(
            model_name="ApiToken",
            name="expires_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="ApiToken",
            name="last_used_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="ApiToken",
            name="prefix",
            field=fields.CharField(default="", db_default="", max_length=8),
        ),
        ops.AddField(
            model_name="ApiToken",
            name="revoked_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="ApiToken",
            name="scopes",
            field=fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddField(
            model_name="ApiToken",
            name="tenant",
            field=fields.ForeignKeyField(
                "models.Tenant",
                source_field="tenant_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="api_tokens",
                on_delete=OnDelete.CASCADE,
            ),
        ),
        ops.AddField(
            model_name="User",
            name="tenant",
            field=fields.ForeignKeyField(
                "models.Tenant",
                source_field="tenant_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="users",
                on_delete=OnDelete.CASCADE,
            ),
        ),
    ]
