"""Voicemail for the call handling's setup: the mailboxes an agent's phone
shows (phone provisioning) and the demo's boxes (demo data).

The rest of voicemail is split by use case: ``vm/store.py`` (where the audio
lives, the runtime), ``vm/mailboxes.py`` (boxes and their PIN),
``vm/greetings.py``, ``vm/messages.py``, ``vm/mwi_counts.py`` (message-waiting
counts), ``vm/notifications.py`` (email) and ``vm/retention.py`` (purge).
"""

from __future__ import annotations

import logging
from typing import Final

from hotline import seed
from hotline.models_voicemail import Mailbox
from hotline.settings import Settings
from hotline.tenancy import scoped
from vm.access_core import MIN_PIN_DIGITS
from vm.mailboxes import MAX_PIN_DIGITS, SETTABLE_PIN, create_box
from vm.mwi_counts import mwi_mailbox_name

log = logging.getLogger(__name__)


# -- phones ----------------------------------------------------------------------------
async def phone_mailboxes(extension: str) -> str:
    """The ARI mailboxes an agent's phone shows: its own box and its queues' boxes,
    only boxes of the agent's tenant (none for an extension that is no agent)."""
    from hotline.models import Agent, QueueMember

    agent = await Agent.get_or_none(extension=extension)
    if agent is None:
        return ""
    tenant_id = agent.tenant_id  # type: ignore[attr-defined]
    queues = [
        member.queue.name
        for member in await QueueMember.filter(agent_id=agent.id).prefetch_related("queue")
    ]
    boxes = await scoped(Mailbox, tenant_id).filter(kind="agent", owner=extension)
    if queues:
        boxes += await scoped(Mailbox, tenant_id).filter(kind="queue", owner__in=queues)
    return ",".join(mwi_mailbox_name(box.number) for box in boxes)


# -- demo ------------------------------------------------------------------------------
DEMO_BOX: Final = "5000"


def demo_pin(settings: Settings) -> str:
    """HOTLINE_DEMO_VM_PIN if it may be set as a PIN, else "" (new demo boxes
    then get none; boxes seeded before keep theirs).  The generated one has
    six digits; one set by hand may be shorter."""
    pin = settings.demo_vm_pin
    if pin and not SETTABLE_PIN.match(pin):
        log.warning(
            "HOTLINE_DEMO_VM_PIN is not %d to %d digits: new demo boxes get no PIN",
            MIN_PIN_DIGITS,
            MAX_PIN_DIGITS,
        )
        return ""
    return pin


async def seed_demo_voicemail(settings: Settings, *, tenant_id: int) -> None:
    """The demo's voicemail (a ``hotline.seed.FeatureDemo``): the support
    line's box and one per demo agent, opened by HOTLINE_DEMO_VM_PIN."""
    pin = demo_pin(settings)  # "" when shorter than a PIN may be set
    pin_hash = seed.demo_secret_hash(pin) if pin else ""
    await seed_demo_boxes(pin_hash, list(seed.DEMO_AGENTS), seed.DEMO_QUEUE, tenant_id=tenant_id)


async def seed_demo_boxes(
    pin_hash: str,
    agent_extensions: tuple[str, ...] | list[str],
    queue: str,
    *,
    tenant_id: int,
) -> None:
    """Box 5000 for the support line (its agents' phones show the lamp) and
    one box per demo agent, all of the demo tenant; all open with the demo
    PIN (HOTLINE_DEMO_VM_PIN).  A number already taken is left alone."""
    if not await Mailbox.exists(number=DEMO_BOX):
        await create_box(
            DEMO_BOX,
            tenant_id=tenant_id,
            name="Support line",
            kind="queue",
            owner=queue,
            email="support@example.org",
            retention_days=30,
            max_message_s=120,
            pin_hash=pin_hash,
        )
    for extension in agent_extensions:
        if not await Mailbox.exists(number=extension):
            await create_box(
                extension,
                tenant_id=tenant_id,
                name=f"Agent {extension}",
                kind="agent",
                owner=extension,
                email=f"agent{extension}@example.org",
                pin_hash=pin_hash,
            )
