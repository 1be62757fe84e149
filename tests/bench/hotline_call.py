"""The ARI requests Hotline makes for the bench's call, as shapes.

The floor (``floor_app.py``) is a floor for Hotline's CPU per call only while
it makes these requests: ``test_floor_app.py`` holds the floor to the list,
and ``tests/integration/test_floor_matches_hotline.py`` holds Hotline to it
by tracing a real call's requests in Asterisk.  A shape is the method and
the path with the ids replaced by what they name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

HOTLINE_CALL: Final = [
    ("POST", "/channels/{caller}/answer"),
    ("POST", "/channels/{caller}/play"),
    ("DELETE", "/playbacks/{playback}"),
    ("POST", "/channels/{caller}/play"),
    ("POST", "/bridges"),
    ("POST", "/bridges/{bridge}/addChannel"),
    ("POST", "/bridges/{bridge}/moh"),
    ("POST", "/channels"),
    ("DELETE", "/bridges/{bridge}/moh"),
    ("POST", "/bridges/{bridge}/addChannel"),
    ("DELETE", "/channels/{agent}"),
    ("DELETE", "/bridges/{bridge}"),
]

_NAMED_BY_RESOURCE: Final = {"bridges": "{bridge}", "playbacks": "{playback}"}


def request_shape(method: str, path: str, is_agent: Callable[[str], bool]) -> tuple[str, str]:
    """("POST", "/channels/x;2/play") -> ("POST", "/channels/{caller}/play").

    ``path`` starts with "/" and has its ids decoded; ``is_agent`` tells an
    agent's channel id from the caller's.
    """
    parts = path.split("/")
    if len(parts) > 2:
        resource, resource_id = parts[1], parts[2]
        if resource == "channels":
            parts[2] = "{agent}" if is_agent(resource_id) else "{caller}"
        elif resource in _NAMED_BY_RESOURCE:
            parts[2] = _NAMED_BY_RESOURCE[resource]
    return method, "/".join(parts)
