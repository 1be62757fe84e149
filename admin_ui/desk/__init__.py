"""The agent desk (/desk): state, screen pop and history, live over SSE."""
