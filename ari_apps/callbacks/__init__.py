"""Callbacks (回拨): ring the agent's phone, then the caller (see services)."""
