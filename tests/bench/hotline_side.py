"""The Hotline half: bench agents in Hotline's database, Hotline restarted.

Hotline provisions a PJSIP endpoint for every agent in its database when it
starts, so the bench adds its agents to the demo "support" queue while
Hotline is stopped, starts it, and undoes both afterwards.

The demo queue records every call; the baseline (app_queue) records none,
so for the run the bench turns the queue's recording off, and back after.
"""

from __future__ import annotations

from hotline.cli import running_pid, stop_hotline, up
from hotline.db import close_db, init_db
from hotline.models import Agent, Queue, QueueMember, Tenant
from hotline.seed import DEMO_QUEUE, DEMO_TENANT
from hotline.settings import Settings

HOTLINE_DID = "8000"
HOTLINE_ENDPOINT = f"Local/{HOTLINE_DID}@from-pstn/n"


BENCH_AGENT_NAME = "Bench agent"  # marks the rows the bench created and may delete


class DemoNotSeeded(RuntimeError):
    pass


class ExtensionTaken(RuntimeError):
    """A real agent already uses an extension the bench wants."""


async def add_bench_agents(settings: Settings, extensions: list[str]) -> str:
    """Add the agents; returns the queue's recording policy, now off."""
    await init_db(settings.database_url)
    try:
        tenant = await Tenant.get_or_none(name=DEMO_TENANT)
        queue = await Queue.get_or_none(name=DEMO_QUEUE)
        if tenant is None or queue is None:
            raise DemoNotSeeded(f"no tenant {DEMO_TENANT!r} or queue {DEMO_QUEUE!r} yet")
        taken = await Agent.filter(extension__in=extensions).exclude(
            name__startswith=BENCH_AGENT_NAME
        )
        if taken:
            raise ExtensionTaken(
                f"agents {', '.join(a.extension for a in taken[:5])} are not bench agents; "
                "the Hotline half needs extensions "
                f"{extensions[0]}..{extensions[-1]} free"
            )
        for extension in extensions:
            agent = await Agent.get_or_none(extension=extension)
            if agent is None:
                agent = await Agent.create(
                    tenant=tenant,
                    extension=extension,
                    name=f"{BENCH_AGENT_NAME} {extension}",
                    sip_password=settings.demo_sip_password,
                    logged_in=True,
                )
            await QueueMember.get_or_create(queue=queue, agent=agent)
        recording_policy = queue.record_policy
        await Queue.filter(id=queue.id).update(record_policy="none")
        return recording_policy
    finally:
        await close_db()


async def remove_bench_agents(
    settings: Settings, extensions: list[str], recording_policy: str | None
) -> list[str]:
    """Delete the bench's own agent rows (never an agent somebody else made)
    and give the demo queue back its recording policy."""
    await init_db(settings.database_url)
    try:
        if recording_policy is not None:
            await Queue.filter(name=DEMO_QUEUE).update(record_policy=recording_policy)
        agents = await Agent.filter(extension__in=extensions, name__startswith=BENCH_AGENT_NAME)
        for agent in agents:
            await QueueMember.filter(agent=agent).delete()
            await agent.delete()
        return [agent.extension for agent in agents]
    finally:
        await close_db()


def hotline_pid(settings: Settings) -> int | None:
    return running_pid(settings)


def restart_hotline(settings: Settings) -> int:
    """Stop Hotline if it runs and start it again (Asterisk keeps running)."""
    stop_hotline(settings)
    try:
        up(settings)
    except SystemExit as exit_:
        # hotline.cli reports start-up failures by exiting; keep the bench alive.
        raise RuntimeError(f"Hotline did not start: {exit_.code}") from None
    pid = running_pid(settings)
    if pid is None:
        raise RuntimeError("Hotline did not start")
    return pid


def stop(settings: Settings) -> None:
    stop_hotline(settings)
