"""Tenants as the platform operator manages them: validation, and what the
audit log records.

The tenants themselves are ``hotline/tenants.py``; this module adds the
rules of managing them (the /tenants pages, ``admin_ui/tenants``, which only
the home tenant's users reach):

- A tenant's name is required, at most 100 characters, and unique (ignoring
  case).  A new tenant comes with its first administrator, whose username
  and password follow every user's rules (``credentials.py``: one username
  namespace across tenants, the password policy; argon2).
- A refused form creates nothing and names each refused field; the tenant,
  its administrators' group and its administrator are created in one
  transaction.

Every mutation returns a ``Change`` for the audit log; snapshots never hold
the password or its hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from tortoise.exceptions import IntegrityError

from hotline import tenants
from hotline.accounts import credentials
from hotline.accounts.changes import Change
from hotline.accounts.errors import FieldError, FormInvalid, UnknownObject
from hotline.models import Tenant
from hotline.passwords import new_password_hash
from hotline.tenants import MAX_NAME_LENGTH, TenantSummary

OBJECT_TYPE: Final = "tenant"


@dataclass(frozen=True)
class TenantInput:
    """The create form exactly as typed, so an error can show it again
    (without the password: a refused form never echoes it)."""

    name: str = ""
    admin_username: str = ""
    admin_password: str = ""

    def without_password(self) -> TenantInput:
        return TenantInput(self.name, self.admin_username, "")


def snapshot(tenant: Tenant) -> dict[str, Any]:
    return {"name": tenant.name}


async def list_tenants() -> list[TenantSummary]:
    return await tenants.list_tenants()


async def _name_error(name: str, *, except_id: int | None = None) -> FieldError | None:
    if not name or len(name) > MAX_NAME_LENGTH:
        return FieldError("tenants.error.name", {"max": str(MAX_NAME_LENGTH)})
    if await tenants.name_taken(name, except_id=except_id):
        return FieldError("tenants.error.name_taken", {"name": name})
    return None


async def _create_errors(data: TenantInput) -> dict[str, FieldError]:
    errors: dict[str, FieldError] = {}
    name_error = await _name_error(data.name.strip())
    if name_error:
        errors["name"] = name_error
    username_error = await credentials.username_error(data.admin_username.strip())
    if username_error:
        errors["admin_username"] = username_error
    password_error = credentials.password_error(data.admin_password)
    if password_error:
        errors["admin_password"] = password_error
    return errors


async def create_tenant(data: TenantInput) -> Change:
    """A tenant and its first administrator, or FormInvalid and nothing at all."""
    errors = await _create_errors(data)
    if errors:
        raise FormInvalid(errors)
    password_hash = await new_password_hash(data.admin_password)
    try:
        created = await tenants.create_tenant_with_admin(
            data.name.strip(), username=data.admin_username.strip(), password_hash=password_hash
        )
    except IntegrityError:
        # Another request took the name or the username since the check;
        # the transaction kept nothing.  Say which, as the check would have.
        errors = await _create_errors(data)
        raise FormInvalid(
            errors or {"name": FieldError("tenants.error.name_taken", {"name": data.name.strip()})}
        ) from None
    after = {
        **snapshot(created.tenant),
        "administrator": created.admin.username,
        "group": created.group.name,
        "role": tenants.ADMIN_ROLE,
    }
    return Change("tenant_created", OBJECT_TYPE, created.tenant.id, None, after)


def _tenant_id(raw: str | int) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise UnknownObject(f"no tenant {raw!r}") from None


async def rename_tenant(tenant_id: str | int, name: str) -> Change | None:
    """Rename a tenant; None when the name did not change (nothing to audit)."""
    tenant = await tenants.get_tenant(_tenant_id(tenant_id))
    if tenant is None:
        raise UnknownObject(f"no tenant {tenant_id!r}")
    name = name.strip()
    if name == tenant.name:
        return None
    error = await _name_error(name, except_id=tenant.id)
    if error:
        raise FormInvalid({"name": error})
    before = snapshot(tenant)
    try:
        await tenants.rename_tenant(tenant, name)
    except IntegrityError:
        raise FormInvalid(
            {"name": FieldError("tenants.error.name_taken", {"name": name})}
        ) from None
    return Change("tenant_renamed", OBJECT_TYPE, tenant.id, before, snapshot(tenant))
