"""What live operations keep for the figures: every agent state change.

The ACD writes one row per change through the ordered writer
(``ari_apps/acd/store.py``), so an agent's day is reproducible for any past
period (METRICS.md, "Agents": time in each state, occupancy, utilisation).
The agent's *current* choices (logged in, paused) stay on ``agent``.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class AgentStateLog(Model):
    id = fields.BigIntField(primary_key=True)
    agent = fields.CharField(max_length=32)  # the ACD's agent id: the extension
    state = fields.CharField(max_length=16)
    reason = fields.CharField(max_length=64, default="")
    at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "agent_state_log"
        indexes = (("agent", "at"),)
