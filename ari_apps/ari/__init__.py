"""Our thin ARI client: aiohttp REST helpers and a reconnecting events websocket."""

from ari_apps.ari.client import AriClient
from ari_apps.ari.dispatch import EventDispatcher, EventHandler, HandlerErrorCallback
from ari_apps.ari.errors import AriConflict, AriError, AriNotFound, AriUnavailable
from ari_apps.ari.events import AriEvent, parse_event
from ari_apps.ari.rest_base import JsonList, JsonObject

__all__ = [
    "AriClient",
    "AriConflict",
    "AriError",
    "AriEvent",
    "AriNotFound",
    "AriUnavailable",
    "EventDispatcher",
    "EventHandler",
    "HandlerErrorCallback",
    "JsonList",
    "JsonObject",
    "parse_event",
]
