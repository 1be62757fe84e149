"""Who hears when a queue call's caller and agent are put together, and when
that conversation ends: recordings now, monitoring and surveys next.

The ACD tells each ``ConversationObserver`` without knowing what it does;
the adapter (``ari_apps/app.py``) plugs them in.  An observer returns
quickly (it starts its own work beside the call) and never raises into the
ACD: a recording that fails must not cost the caller their agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Conversation:
    call_id: str
    caller_channel_id: str
    agent_channel_id: str
    bridge_id: str
    queue: str
    agent_extension: str
    caller_id: str


class ConversationObserver(Protocol):
    async def conversation_started(self, conversation: Conversation) -> None: ...

    async def conversation_ended(self, call_id: str) -> None: ...


class AfterConversation(Protocol):
    """Who may take the caller on when the agent hangs up first (the
    post-call survey).  The caller is already out of the queue's bridge and
    their call record closed; True keeps their channel up for the taker,
    False lets the ACD hang up as before."""

    async def take_caller(self, conversation: Conversation) -> bool: ...
