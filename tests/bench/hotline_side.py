"""The Hotline half: bench agents in Hotline's database, Hotline restarted.

Hotline provisions a PJSIP endpoint for every agent in its database when it
starts, so the bench adds its agents to the demo "support" queue while
Hotline is stopped, starts it, and undoes both afterwards.
"""

from __future__ import annotations

from hotline.cli import running_pid, stop_hotline, up
from hotline.db import close_db, init_db
from hotline.models import Agent, Queue, QueueMember, Tenant
from hotline.seed import DEMO_QUEUE, DEMO_TENANT
from hotline.settings import Settings

HOTLINE_DID = "8000"
HOTLINE_ENDPOINT = f"Local/{HOTLINE_DID}@from-pstn/n"


class DemoNotSeeded(RuntimeError):
    pass


async def add_bench_agents(settings: Settings, extensions: list[str]) -> None:
    await init_db(settings.database_url)
    try:
        tenant = await Tenant.get_or_none(name=DEMO_TENANT)
        queue = await Queue.get_or_none(name=DEMO_QUEUE)
        if tenant is None or queue is None:
            raise DemoNotSeeded(f"no tenant {DEMO_TENANT!r} or queue {DEMO_QUEUE!r} yet")
        for extension in extensions:
            agent = await Agent.get_or_none(extension=extension)
            if agent is None:
                agent = await Agent.create(
                    tenant=tenant,
                    extension=extension,
                    name=f"Bench agent {extension}",
                    sip_password=settings.demo_sip_password,
                    logged_in=True,
                )
            await QueueMember.get_or_create(queue=queue, agent=agent)
    finally:
        await close_db()


async def remove_bench_agents(settings: Settings, extensions: list[str]) -> int:
    await init_db(settings.database_url)
    try:
        agents = await Agent.filter(extension__in=extensions)
        for agent in agents:
            await QueueMember.filter(agent=agent).delete()
            await agent.delete()
        return len(agents)
    finally:
        await close_db()


def hotline_pid(settings: Settings) -> int | None:
    return running_pid(settings)


def restart_hotline(settings: Settings) -> int:
    """Stop Hotline if it runs and start it again (Asterisk keeps running)."""
    stop_hotline(settings)
    up(settings)
    pid = running_pid(settings)
    if pid is None:
        raise RuntimeError("Hotline did not start")
    return pid


def stop(settings: Settings) -> None:
    stop_hotline(settings)
