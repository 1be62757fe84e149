"""The version pages of a flow: the list, diffs between versions, rollback.

What each page shows; the history itself is the flow engine's
(``ari_apps.ivr.flow_versions``: a definition by version, rollback, which
publishes the old definition as a NEW version).  Every function works in the
signed-in user's tenant (``tenant_id``): another tenant's flow is "not found".
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from admin_ui.flows.editor import Outcome
from ari_apps.ivr import flow_versions
from ari_apps.ivr import services as flow_service
from hotline.errors import FlowInvalid


async def versions_context(
    flow_id: int, tenant_id: int, error: str | None = None
) -> dict[str, Any]:
    flow = await flow_service.get_flow(flow_id, tenant_id=tenant_id)
    versions = list(reversed(flow["versions"]))
    return {
        "flow": {"id": flow["id"], "name": flow["name"]},
        "versions": versions,
        "error": error,
    }


async def rollback(flow_id: int, tenant_id: int, version: int, username: str) -> Outcome:
    try:
        rolled_back = await flow_versions.roll_back(flow_id, tenant_id, version, username)
    except FlowInvalid as error:
        issues = error.details.get("issues", [])
        message = "; ".join(f"{issue['node_id'] or 'flow'}: {issue['message']}" for issue in issues)
        return Outcome(
            await versions_context(flow_id, tenant_id, message or error.message), status=422
        )
    new_version = rolled_back.version
    return Outcome(
        await versions_context(flow_id, tenant_id),
        audit=(
            "rollback",
            {"to_version": version},
            {"version": new_version, "definition": rolled_back.definition},
        ),
        notice=("flows.rolled_back", {"version": version, "new_version": new_version}),
    )


def _pretty(definition: Any) -> list[str]:
    return json.dumps(definition, indent=2, sort_keys=True, ensure_ascii=False).splitlines()


def diff_rows(old: Any, new: Any) -> list[dict[str, Any]]:
    """Line diff of two definitions: same / del / add rows with line numbers."""
    left, right = _pretty(old), _pretty(new)
    rows: list[dict[str, Any]] = []
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for offset in range(i2 - i1):
                rows.append(
                    {
                        "op": "same",
                        "old": i1 + offset + 1,
                        "new": j1 + offset + 1,
                        "text": left[i1 + offset],
                    }
                )
            continue
        for index in range(i1, i2):
            rows.append({"op": "del", "old": index + 1, "new": None, "text": left[index]})
        for index in range(j1, j2):
            rows.append({"op": "add", "old": None, "new": index + 1, "text": right[index]})
    return rows


async def diff_context(
    flow_id: int, tenant_id: int, from_version: str, to_version: str
) -> dict[str, Any]:
    """``from``/``to`` are version numbers or "draft"; ``from`` defaults to live."""
    flow = await flow_service.get_flow(flow_id, tenant_id=tenant_id)
    live = next((str(v["version"]) for v in flow["versions"] if v["live"]), "draft")
    from_version = from_version or live
    to_version = to_version or "draft"
    rows = diff_rows(
        await flow_versions.definition_of(flow_id, tenant_id, from_version),
        await flow_versions.definition_of(flow_id, tenant_id, to_version),
    )
    return {
        "flow": {"id": flow["id"], "name": flow["name"]},
        "versions": list(reversed(flow["versions"])),
        "from_version": from_version,
        "to_version": to_version,
        "rows": rows,
        "changed": sum(1 for row in rows if row["op"] != "same"),
    }
