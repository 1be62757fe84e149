"""The demo tenant's customers: one VIP, one blacklisted, one nuisance, one
plain, so /customers, the desk's screen pop and the customer line (DID 8800)
show each standing.  Created once (an administrator's edits stay)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from hotline.customers import core
from hotline.models_customers import Customer, CustomerMark, CustomerNumber

SEEDED_BY: Final = "seed"
# (name, numbers, account, ID, address, mark, reason, days the mark lasts)
DEMO_CUSTOMERS: Final = (
    (
        "张伟 Zhang Wei",
        ("+8613800138000", "+861065529988"),
        "SH-100234",
        "110101199003071234",
        "北京市东城区和平里街道 12 号",
        core.VIP,
        "Home dialysis: water supply is critical",
        None,
    ),
    (
        "李娜 Li Na",
        ("+8613900139000",),
        "SH-100871",
        "110105198507152345",
        "北京市朝阳区安贞街道 8 号",
        core.BLACKLIST,
        "Abusive to agents (three recorded calls)",
        180,
    ),
    (
        "王强 Wang Qiang",
        ("+8613700137000",),
        "SH-101552",
        "",
        "北京市海淀区学院路 30 号",
        core.NUISANCE,
        "Repeated silent calls at night",
        30,
    ),
    (
        "陈静 Chen Jing",
        ("+8613600136000",),
        "SH-102009",
        "11010819920101456X",
        "北京市西城区金融街 5 号",
        "",
        "",
        None,
    ),
)


async def seed_demo_customers(tenant_id: int) -> None:
    now = datetime.now(UTC)
    for name, numbers, account, id_number, address, mark, reason, days in DEMO_CUSTOMERS:
        if await Customer.exists(tenant_id=tenant_id, account_number=account):
            continue
        if await CustomerNumber.exists(tenant_id=tenant_id, number__in=list(numbers)):
            continue  # an administrator gave the number to someone else
        customer = await Customer.create(
            tenant_id=tenant_id,
            name=name,
            account_number=account,
            id_number=id_number,
            address=address,
            created_by=SEEDED_BY,
        )
        for number in numbers:
            await CustomerNumber.create(tenant_id=tenant_id, customer=customer, number=number)
        if mark:
            await CustomerMark.create(
                tenant_id=tenant_id,
                customer=customer,
                kind=mark,
                reason=reason,
                expires_at=None if days is None else now + timedelta(days=days),
                created_by=SEEDED_BY,
            )
