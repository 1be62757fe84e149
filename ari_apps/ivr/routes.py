"""Where an inbound DID goes, cached in memory.

Why: looking it up on every call cost three or four SQLite reads (fax DID,
DID + flow, published version, calendars) on the path between the caller's
StasisStart and the first audio, and with one SQLite connection those reads
queue behind the background writer's transactions.  Under load that put
seconds on dial-to-first-audio (``make bench``).

The cache is dropped whenever a model that decides routing is saved or
deleted (Tortoise signals: DIDs, flows, versions, calendars, fax DIDs), and
``invalidate()`` is called by code that changes them through querysets,
which fire no signals.  As a backstop for a change made behind our back
(another process, a manual SQL edit) an entry lives at most ``MAX_AGE_S``.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from tortoise.models import Model
from tortoise.signals import post_delete, post_save

from ari_apps.ivr.flow import FlowDefinition
from hotline.calendars import resolve_calendars
from hotline.models import Did, Flow, FlowVersion
from hotline.models_fax import FaxDid
from hotline.models_prompts import Prompt
from hotline.models_shifts import BusinessCalendar

MAX_AGE_S: Final = 30.0

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FlowRoute:
    version_id: int
    tenant_id: int
    definition: FlowDefinition


@dataclass(frozen=True, slots=True)
class FaxRoute:
    pass


Route = FlowRoute | FaxRoute | None

_routes: dict[str, tuple[float, Route]] = {}


def invalidate() -> None:
    _routes.clear()


async def route_for(did: str) -> Route:
    cached = _routes.get(did)
    now = time.monotonic()
    if cached is not None and now - cached[0] < MAX_AGE_S:
        return cached[1]
    route = await _load(did)
    _routes[did] = (now, route)
    return route


async def _load(did: str) -> Route:
    # A fax DID rings one place, whichever tenant's it is (fax/dids.py).
    if await FaxDid.exists(number=did):
        return FaxRoute()
    row = await Did.get_or_none(number=did).prefetch_related("flow")
    if row is None:
        return None
    return await _published(row.flow)


async def published_flow(name: str, tenant_id: int) -> FlowRoute | None:
    """The published version of the tenant's flow ``name`` (not cached: a
    flow run by name, such as a post-call survey, is rare next to DIDs)."""
    flow = await Flow.get_or_none(tenant_id=tenant_id, name=name)
    return None if flow is None else await _published(flow)


async def _published(flow: Flow) -> FlowRoute | None:
    if flow.published_version_id is None:
        return None
    version = await FlowVersion.get_or_none(id=flow.published_version_id)
    if version is None:
        return None
    # Named business calendars (the flow's tenant's) are inlined here; editing
    # one drops the cache, so the next call sees it without republishing.
    tenant_id: int = flow.tenant_id  # type: ignore[attr-defined]
    resolved = await resolve_calendars(version.definition, tenant_id=tenant_id)
    resolved = await without_foreign_prompts(resolved, tenant_id, f"flow version {version.id}")
    definition = _parsed(version.id, json.dumps(resolved, sort_keys=True))
    return FlowRoute(version.id, tenant_id, definition)


# What plays instead of another tenant's prompt: a stock second of silence,
# so that a node's required media stays valid and the flow goes on.
FOREIGN_PROMPT_STANDIN: Final = "sound:silence/1"


def _prompt_names(tree: Any) -> set[str]:
    if isinstance(tree, str):
        return {tree.removeprefix("prompt:")} if tree.startswith("prompt:") else set()
    items = tree.values() if isinstance(tree, dict) else tree if isinstance(tree, list) else ()
    return set().union(*(_prompt_names(item) for item in items))


def _replace(tree: Any, uris: frozenset[str]) -> Any:
    if isinstance(tree, str):
        return FOREIGN_PROMPT_STANDIN if tree in uris else tree
    if isinstance(tree, dict):
        return {key: _replace(value, uris) for key, value in tree.items()}
    if isinstance(tree, list):
        return [_replace(item, uris) for item in tree]
    return tree


async def without_foreign_prompts(definition: Any, tenant_id: int, what: str) -> Any:
    """``definition`` with every ``prompt:NAME`` of another tenant's prompt
    replaced by a second of silence.

    Publishing checks prompts against the flow's tenant, but a version
    published before tenant scoping may name another tenant's prompt, and all
    prompt files share one sounds directory: without this, such a version
    would play it.  A prompt nobody holds is left alone (it fails to play, as
    a deleted prompt always has).
    """
    names = _prompt_names(definition)
    if not names:
        return definition
    foreign: list[Any] = (
        await Prompt.filter(name__in=sorted(names))
        .exclude(tenant_id=tenant_id)
        .values_list("name", flat=True)
    )
    if not foreign:
        return definition
    log.warning("%s names other tenants' prompts %s: they are not played", what, sorted(foreign))
    return _replace(definition, frozenset(f"prompt:{name}" for name in foreign))


@lru_cache(maxsize=256)
def _parsed(version_id: int, definition_json: str) -> FlowDefinition:
    # Versions are immutable, so a parsed definition can be shared by calls.
    return FlowDefinition.from_json(definition_json)


async def _changed(*_args: Any, **_kwargs: Any) -> None:
    invalidate()


ROUTING_MODELS: Final[tuple[type[Model], ...]] = (
    Did,
    Flow,
    FlowVersion,
    BusinessCalendar,
    FaxDid,
    Prompt,
)
for _model in ROUTING_MODELS:
    post_save(_model)(_changed)
    post_delete(_model)(_changed)
