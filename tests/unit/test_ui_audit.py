"""/audit: read-only, filterable, paginated; entries cannot be changed."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.routing import Route

from admin_ui.app import create_app
from hotline.audit_log import AuditFilters, diff, parse_filters
from hotline.models import AuditEntry
from tests.unit.stand_in import StandInCenter
from tests.unit.ui_support import UiClient

GOLDEN_DIR = Path(__file__).parent / "golden" / "audit"
HTMX = {"HX-Request": "true"}


def normalise(fragment: str) -> str:
    """Hide what changes from run to run: CSRF tokens, timestamps, row ids."""
    fragment = re.sub(r'(csrf_token" value=")[^"]+', r"\1CSRF", fragment)
    fragment = re.sub(r'("X-CSRF-Token": ")[^"]+', r"\1CSRF", fragment)
    fragment = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "YYYY-MM-DD hh:mm:ss", fragment)
    return re.sub(r"(audit-row-|/audit/)\d+", r"\1N", fragment)


def assert_golden(name: str, fragment: str) -> None:
    path = GOLDEN_DIR / name
    text = normalise(fragment)
    if os.environ.get("UPDATE_GOLDEN") == "1":  # regenerate deliberately only
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


async def _entries() -> None:
    await AuditEntry.create(
        username="alice",
        ip="10.0.0.5",
        source="ui",
        action="queue_updated",
        object_type="queue",
        object_id="7",
        before={"name": "support", "wrapup_s": 5},
        after={"name": "support", "wrapup_s": 10, "moh_class": "jazz"},
    )
    await AuditEntry.create(
        username="alice", ip="10.0.0.5", action="flow_published", object_type="flow", object_id="1"
    )
    await AuditEntry.create(
        username="bob",
        ip="10.0.0.6",
        source="api",
        action="queue_updated",
        object_type="queue",
        object_id="8",
        before={"max_wait_s": 60},
        after={"max_wait_s": 90},
    )


async def test_given_existing_entry_then_it_cannot_be_saved_again_or_deleted(
    ui: UiClient,
) -> None:
    entry = await AuditEntry.create(username="alice", action="flow_published", object_type="flow")
    entry.action = "nothing_happened"
    with pytest.raises(PermissionError):
        await entry.save()
    with pytest.raises(PermissionError):
        await entry.delete()
    stored = await AuditEntry.get(id=entry.id)
    assert stored.action == "flow_published"


async def test_given_audit_routes_then_none_accepts_a_change(ui: UiClient) -> None:
    app = create_app(StandInCenter())
    audit_routes = [r for r in app.routes if isinstance(r, Route) and r.path.startswith("/audit")]
    assert {r.path for r in audit_routes} == {"/audit", "/audit/{entry_id}"}
    for route in audit_routes:
        assert set(route.methods or ()) <= {"GET", "HEAD"}, route.path
    await ui.login("administrator")
    entry = await AuditEntry.filter(action="login").first()
    assert entry is not None
    for path in ("/audit", f"/audit/{entry.id}"):
        assert (await ui.post(path, {"action": "x"})).status_code == 405
        for method in ("PUT", "DELETE", "PATCH"):
            response = await ui.client.request(method, path, headers={"X-CSRF-Token": ui.csrf})
            assert response.status_code == 405, (method, path)
    assert (await AuditEntry.get(id=entry.id)).action == "login"


async def test_given_filters_then_htmx_gets_only_the_filtered_table(ui: UiClient) -> None:
    await _entries()
    await ui.login("auditor")
    query = "/audit?user=alice&action=queue_updated&object_type=queue"
    response = await ui.get(query, headers=HTMX)
    assert response.status_code == 200
    assert ui.last.template == "audit/_table.html"
    result = ui.last.context["result"]
    assert result.total == 1 and result.rows[0].object_id == "7"
    assert [(line.key, line.kind) for line in result.rows[0].diff] == [
        ("moh_class", "added"),
        ("wrapup_s", "changed"),
    ]
    assert response.text.lstrip().startswith('<section id="audit-table"')
    assert "<html" not in response.text
    assert_golden("filtered_table.html", response.text)

    page = await ui.get(query)
    assert ui.last.template == "audit/list.html"
    for control in ("user", "action", "object-type", "date-from", "date-to"):
        assert f'data-testid="audit-filter-{control}"' in page.text
    assert '<option value="alice" selected>' in page.text
    assert 'hx-target="#audit-table"' in page.text and 'action="/audit"' in page.text


async def test_given_date_range_then_only_entries_of_those_days_show(ui: UiClient) -> None:
    await _entries()
    await ui.login("auditor")
    today = datetime.now(UTC).date()
    yesterday = today - timedelta(days=1)
    await ui.get(f"/audit?date_from={today}&date_to={today}&user=bob", headers=HTMX)
    assert ui.last.context["result"].total == 1
    await ui.get(f"/audit?date_to={yesterday}", headers=HTMX)
    assert ui.last.context["result"].total == 0
    await ui.get(f"/audit?date_from={today + timedelta(days=1)}", headers=HTMX)
    assert ui.last.context["result"].total == 0

    response = await ui.get("/audit?date_from=31/01/2026&user=bob")
    assert response.status_code == 400
    assert ui.last.context["filters"].errors == {"date_from": "audit.error.date"}
    assert ui.last.context["result"].total == 1  # the bad filter is ignored, the rest applies
    assert "From date: use a date like 2026-01-31" in response.text
    assert 'value="31/01/2026"' in response.text  # what was typed stays in the form


async def test_given_many_entries_then_pages_of_fifty_keep_the_filters(ui: UiClient) -> None:
    await AuditEntry.bulk_create(
        [
            AuditEntry(
                username="robot", action="bulk_import", object_type="agent", object_id=str(i)
            )
            for i in range(120)
        ]
    )
    await ui.login("auditor")
    await ui.get("/audit?action=bulk_import", headers=HTMX)
    result = ui.last.context["result"]
    assert (result.total, result.pages, len(result.rows)) == (120, 3, 50)
    response = await ui.get("/audit?action=bulk_import&page=3", headers=HTMX)
    assert len(ui.last.context["result"].rows) == 20
    assert ui.last.context["result"].rows[-1].object_id == "0"  # newest first
    prev = (
        'href="/audit?action=bulk_import&amp;page=2" hx-get="/audit?action=bulk_import&amp;page=2"'
    )
    assert prev in response.text and 'data-testid="audit-next"' not in response.text
    await ui.get("/audit?action=bulk_import&page=99", headers=HTMX)
    assert ui.last.context["result"].page == 3


async def test_given_change_through_the_ui_then_it_shows_with_before_and_after(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    await ui.post("/roles", {"name": "Viewer", "permissions": ["queues:view"]})
    await ui.post("/roles", {"name": "Viewer", "permissions": ["queues:view"]})  # refused
    role_entry = await AuditEntry.get(action="role_created")
    await ui.get("/audit?object_type=role", headers=HTMX)
    rows = ui.last.context["result"].rows
    assert [row.action for row in rows] == ["role_created"]
    assert rows[0].username == "administrator" and rows[0].source == "ui" and rows[0].ip
    response = await ui.get(f"/audit/{role_entry.id}")
    assert ui.last.template == "audit/entry.html"
    assert '"name": "Viewer"' in response.text.replace("&#34;", '"')
    assert ui.last.context["row"].before_json == ""


async def test_given_unknown_entry_then_404_page(ui: UiClient) -> None:
    await ui.login("auditor")
    for path in ("/audit/999999", "/audit/entry_id"):
        assert (await ui.get(path)).status_code == 404
        assert ui.last.template == "audit/not_found.html"


async def test_given_agent_role_then_audit_is_refused(ui: UiClient) -> None:
    await ui.login("agent")
    assert (await ui.get("/audit")).status_code == 403
    assert ui.last.template == "errors/403.html"


def test_given_values_then_diff_lists_changed_added_and_removed_keys() -> None:
    lines = diff({"a": 1, "b": [1], "gone": True}, {"a": 1, "b": [2], "new": "x"})
    assert [(line.key, line.before, line.after, line.kind) for line in lines] == [
        ("b", "[1]", "[2]", "changed"),
        ("gone", "true", "", "removed"),
        ("new", "", '"x"', "added"),
    ]
    assert diff(None, None) == ()
    assert [line.kind for line in diff(None, 5)] == ["changed"]


def test_given_query_then_filters_round_trip_into_links() -> None:
    filters = parse_filters({"user": "alice", "page": "abc", "date_to": "2026-01-02"})
    assert filters == AuditFilters(user="alice", date_to="2026-01-02", page=1)
    assert filters.query(2) == "user=alice&date_to=2026-01-02&page=2"
    assert parse_filters({"date_from": "2026-02-01", "date_to": "2026-01-01"}).errors == {
        "date_to": "audit.error.date_order"
    }
