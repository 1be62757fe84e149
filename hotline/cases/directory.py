"""Who handles cases and how they are classified: departments, their
members, and the code lists (数据字典) of categories, sources, urgencies and
results, per tenant, in zh-CN and en.

The centre is the department with code ``centre`` (the workflow core says
``""`` for it); a user in no department acts as the centre.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from hotline.errors import InvalidRequest
from hotline.models_cases import CaseCode, Department, DepartmentMember
from hotline.tenancy import scoped

CENTRE: Final = "centre"
CODE_LISTS: Final = ("category", "source", "urgency", "result")
# The roots of the category tree the seeds name (WO-02), with their English.
CATEGORY_ROOTS: Final = (
    ("咨询", "Enquiry"),
    ("投诉", "Complaint"),
    ("求助", "Request for help"),
    ("建议", "Suggestion"),
    ("表扬", "Praise"),
)
DEFAULT_CODES: Final[dict[str, tuple[tuple[str, str, str, str], ...]]] = {
    # (code, zh, en, parent)
    "category": (
        *((root, root, en, "") for root, en in CATEGORY_ROOTS),
        ("投诉/水压", "水压", "Water pressure", "投诉"),
        ("投诉/水费", "水费", "Water bill", "投诉"),
        ("求助/停水", "停水", "Water cut", "求助"),
        ("咨询/缴费", "缴费", "Payment", "咨询"),
        ("求助/报修", "报修", "Repair report", "求助"),
        # The seeds' technical problems: a solution within 2 h (workflow.STANDARD).
        ("求助/技术故障", "技术故障", "Technical fault", "求助"),
    ),
    "source": (
        ("phone", "电话", "Phone", ""),
        ("web", "网站", "Web", ""),
        ("email", "电子邮件", "Email", ""),
        ("walk-in", "来访", "Walk-in", ""),
        ("letter", "来信", "Letter", ""),
        ("forwarded", "上级转来", "Forwarded", ""),
    ),
    "urgency": (
        ("normal", "一般", "Normal", ""),
        ("urgent", "紧急", "Urgent", ""),
        ("critical", "特急", "Critical", ""),
    ),
    "result": (
        ("solved", "已解决", "Solved", ""),
        ("explained", "已解释", "Explained", ""),
        ("refunded", "已退款", "Refunded", ""),
        ("not_solved", "未解决", "Not solved", ""),
    ),
}
# The demo's departments (the contract: billing and supply).
DEMO_DEPARTMENTS: Final = (
    (CENTRE, "热线中心", "Hotline centre", ""),
    ("billing", "营业部", "Billing", CENTRE),
    ("supply", "供水部", "Water supply", CENTRE),
)


@dataclass(frozen=True)
class Membership:
    """The acting user's department ("" = the centre) and whether they lead it."""

    department: str
    lead: bool

    @property
    def is_centre(self) -> bool:
        return self.department == ""


async def membership(tenant_id: int, username: str) -> Membership:
    row = await scoped(DepartmentMember, tenant_id).get_or_none(username=username)
    if row is None or row.department_code == CENTRE:
        return Membership("", bool(row and row.lead))
    return Membership(row.department_code, row.lead)


async def members_of(tenant_id: int, department: str, *, leads_only: bool = False) -> list[str]:
    query = scoped(DepartmentMember, tenant_id).filter(department_code=department or CENTRE)
    if leads_only:
        query = query.filter(lead=True)
    return [str(name) for name in await query.values_list("username", flat=True)]


async def departments(tenant_id: int) -> list[dict[str, Any]]:
    rows = await scoped(Department, tenant_id).order_by("parent_code", "code")
    return [
        {"code": d.code, "name": d.name, "name_en": d.name_en, "parent": d.parent_code}
        for d in rows
    ]


async def check_departments(tenant_id: int, codes: tuple[str, ...], field: str) -> None:
    found = (
        await scoped(Department, tenant_id).filter(code__in=codes).values_list("code", flat=True)
    )
    known = {str(code) for code in found}
    for code in codes:
        if code not in known:
            raise InvalidRequest(f"{field}: there is no department {code!r}", {"field": field})


async def add_department(tenant_id: int, form: Mapping[str, Any]) -> dict[str, Any]:
    code = str(form.get("code", "")).strip()
    if not code or len(code) > 32 or not code.replace("-", "").replace("_", "").isalnum():
        raise InvalidRequest("code: 1 to 32 letters, digits, - or _", {"field": "code"})
    name = str(form.get("name", "")).strip()
    if not name:
        raise InvalidRequest("name: required", {"field": "name"})
    parent = str(form.get("parent", "") or "").strip()
    if parent:
        await check_departments(tenant_id, (parent,), "parent")
    if await scoped(Department, tenant_id).filter(code=code).exists():
        raise InvalidRequest(f"code: {code!r} exists", {"field": "code"})
    row = await Department.create(
        tenant_id=tenant_id,
        code=code,
        name=name[:64],
        name_en=str(form.get("name_en", ""))[:64],
        parent_code=parent,
    )
    return {"code": row.code, "name": row.name, "name_en": row.name_en, "parent": row.parent_code}


async def set_member(tenant_id: int, username: str, department: str, lead: bool) -> None:
    await check_departments(tenant_id, (department,), "department")
    await DepartmentMember.update_or_create(
        defaults={"department_code": department, "lead": lead},
        tenant_id=tenant_id,
        username=username,
    )


async def ensure_defaults(tenant_id: int) -> None:
    """The code lists and the centre a tenant starts with (kept once edited)."""
    for list_name, codes in DEFAULT_CODES.items():
        if await scoped(CaseCode, tenant_id).filter(list_name=list_name).exists():
            continue
        for position, (code, zh, en, parent) in enumerate(codes):
            await CaseCode.create(
                tenant_id=tenant_id,
                list_name=list_name,
                code=code,
                label_zh=zh,
                label_en=en,
                parent_code=parent,
                position=position,
            )
    if not await scoped(Department, tenant_id).filter(code=CENTRE).exists():
        code, name, name_en, parent = DEMO_DEPARTMENTS[0]
        await Department.create(
            tenant_id=tenant_id, code=code, name=name, name_en=name_en, parent_code=parent
        )


async def codes(tenant_id: int, list_name: str, *, active_only: bool = True) -> list[CaseCode]:
    query = scoped(CaseCode, tenant_id).filter(list_name=list_name)
    if active_only:
        query = query.filter(active=True)
    return list(await query.order_by("position", "id"))


async def check_code(tenant_id: int, list_name: str, code: str, field: str) -> CaseCode:
    row = await scoped(CaseCode, tenant_id).get_or_none(list_name=list_name, code=code, active=True)
    if row is None:
        raise InvalidRequest(f"{field}: {code!r} is not in the {list_name} list", {"field": field})
    return row


def category_root(row: CaseCode) -> str:
    """A category's root (咨询, 投诉, ...): its path's first part."""
    return row.code.split("/", 1)[0]


async def add_code(tenant_id: int, list_name: str, form: Mapping[str, Any]) -> CaseCode:
    if list_name not in CODE_LISTS:
        raise InvalidRequest(f"list: one of {', '.join(CODE_LISTS)}", {"field": "list"})
    label_zh = str(form.get("label_zh", "")).strip()
    label_en = str(form.get("label_en", "")).strip() or label_zh
    if not label_zh or len(label_zh) > 64:
        raise InvalidRequest("label_zh: 1 to 64 characters", {"field": "label_zh"})
    parent = str(form.get("parent", "") or "").strip()
    if parent and list_name != "category":
        raise InvalidRequest("parent: only categories form a tree", {"field": "parent"})
    if parent:
        await check_code(tenant_id, "category", parent, "parent")
    code = str(form.get("code", "")).strip() or (f"{parent}/{label_zh}" if parent else label_zh)
    if await scoped(CaseCode, tenant_id).filter(list_name=list_name, code=code).exists():
        raise InvalidRequest(f"code: {code!r} is in the list already", {"field": "code"})
    position = await scoped(CaseCode, tenant_id).filter(list_name=list_name).count()
    return await CaseCode.create(
        tenant_id=tenant_id,
        list_name=list_name,
        code=code[:64],
        label_zh=label_zh,
        label_en=label_en[:64],
        parent_code=parent,
        position=position,
    )


async def hide_code(tenant_id: int, list_name: str, code: str) -> None:
    """Codes are hidden, never deleted: cases that used one keep its label."""
    row = await check_code(tenant_id, list_name, code, "code")
    row.active = False
    await row.save(update_fields=["active"])
