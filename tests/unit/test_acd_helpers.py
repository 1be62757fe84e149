"""Shared builders for the ACD tests (no tests here)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, TypeVar

from ari_apps.acd import (
    Acd,
    AgentConfig,
    AgentDeviceChanged,
    AgentLoggedIn,
    Command,
    QueueConfig,
)
from ari_apps.acd.exits import QueueExit

T0 = 1_700_000_000.0

C = TypeVar("C")


def queue(name: str = "sales", **options: Any) -> QueueConfig:
    return QueueConfig(name=name, **options)


def agent(
    agent_id: str,
    queues: Sequence[str] = ("sales",),
    skills: dict[str, int] | None = None,
) -> AgentConfig:
    return AgentConfig(
        agent_id=agent_id,
        extension=f"PJSIP/{agent_id}",
        skills=skills or {},
        queues=tuple(queues),
    )


def bring_online(acd: Acd, agent_id: str, now: float = T0) -> list[Command]:
    """Phone registered, then logged in ready."""
    commands = acd.handle(AgentDeviceChanged(now, agent_id, registered=True))
    commands += acd.handle(AgentLoggedIn(now, agent_id))
    return commands


def of_type(commands: Sequence[Command], kind: type[C]) -> list[C]:
    return [c for c in commands if isinstance(c, kind)]


class ExitsHeard:
    """A caller's ``on_exit`` listener (their flow's part) that keeps what
    it is told; ``await heard.first()`` waits for the first exit."""

    def __init__(self) -> None:
        self.told: list[QueueExit] = []
        self._heard = asyncio.Event()

    async def __call__(self, queue_exit: QueueExit) -> None:
        self.told.append(queue_exit)
        self._heard.set()

    async def first(self, timeout_s: float = 3.0) -> None:
        await asyncio.wait_for(self._heard.wait(), timeout_s)
