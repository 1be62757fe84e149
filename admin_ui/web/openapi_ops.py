"""One OpenAPI operation as the feature APIs describe theirs (bearer token,
path parameters, an optional request body, the usual refusals)."""

from __future__ import annotations

from typing import Any


def operation(
    summary: str,
    params: tuple[str, ...] = (),
    body: dict[str, Any] | None = None,
    *,
    not_found: str | None = None,
) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {"description": "OK", "content": {"application/json": {}}},
        "401": {"description": "missing, unknown, revoked or expired bearer token"},
        "403": {"description": "the token's role or scope may not do this"},
    }
    if not_found is not None:
        responses["404"] = {"description": not_found}
    described: dict[str, Any] = {
        "summary": summary,
        "security": [{"bearer": []}],
        "parameters": [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in params
        ],
        "responses": responses,
    }
    if body is not None:
        described["requestBody"] = {"required": True, "content": body}
    return described
