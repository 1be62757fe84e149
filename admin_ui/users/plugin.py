"""Routes of the users feature."""

from __future__ import annotations

from starlette.routing import Route

routes: list[Route] = []
