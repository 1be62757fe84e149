"""The supervisors' callbacks page without Asterisk: the failed list, the
waiting and recent ones, cancelling (audited), a queue callback requested
from the form (a refusal names the field and keeps the form), and who may."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from hotline.models import AuditEntry
from hotline.models_callbacks import Callback
from hotline.tenancy import home_tenant_id
from tests.unit.ui_support import UiClient

QUEUE = "support"  # the demo tenant's queue
HTMX = {"HX-Request": "true"}


async def _callback(**fields: Any) -> Callback:
    values: dict[str, Any] = {
        "tenant_id": await home_tenant_id(),
        "kind": "queue",
        "number": "5550123",
        "queue": QUEUE,
        "agent": "",
        "due_at": datetime.now(UTC) - timedelta(minutes=30),
        "place_since": datetime.now(UTC) - timedelta(minutes=40),
        "priority": 5,
        "created_by": "ivr",
    }
    values.update(fields)
    return await Callback.create(**values)


def _section(html: str, name: str) -> str:
    found = re.search(rf'data-testid="callbacks-{name}">(.*?)</table>', html, re.S)
    assert found is not None, name
    return found.group(1)


async def test_given_callbacks_then_each_is_listed_in_its_section(ui: UiClient) -> None:
    failed = await _callback(state="failed", attempts=3, last_result="no_answer")
    waiting = await _callback(number="5550124", state="scheduled")
    done = await _callback(number="5550125", state="done", agent="1001")
    await ui.login("supervisor")

    page = await ui.get("/callbacks")

    assert page.status_code == 200 and ui.last.template == "callbacks/list.html"
    assert [row["id"] for row in ui.last.context["failed"]] == [failed.id]
    failed_rows = _section(page.text, "failed")
    assert f'data-testid="callback-row-{failed.id}"' in failed_rows
    assert "queue (virtual hold)" in failed_rows and "no_answer" in failed_rows
    assert f'data-testid="callback-cancel-{failed.id}"' in failed_rows
    waiting_rows = _section(page.text, "waiting")
    assert f'data-testid="callback-row-{waiting.id}"' in waiting_rows
    assert f'data-testid="callback-row-{failed.id}"' not in waiting_rows
    recent_rows = _section(page.text, "recent")
    assert f'data-testid="callback-row-{done.id}"' in recent_rows
    assert f'data-testid="callback-cancel-{done.id}"' not in recent_rows  # done: nothing to cancel
    # The lists alone refresh themselves every 5 s.
    assert 'hx-get="/callbacks/lists" hx-trigger="every 5s"' in page.text
    lists = await ui.get("/callbacks/lists")
    assert lists.status_code == 200 and ui.last.template == "callbacks/_lists.html"
    assert "<html" not in lists.text and f"callback-row-{failed.id}" in lists.text


async def test_given_a_failed_callback_when_cancelled_then_it_is_recent_and_audited(
    ui: UiClient,
) -> None:
    failed = await _callback(state="failed", attempts=3)
    await ui.login("supervisor")
    await ui.get("/callbacks")

    cancelled = await ui.post(f"/callbacks/{failed.id}/cancel", headers=HTMX)

    assert cancelled.status_code == 200 and ui.last.template == "callbacks/_lists.html"
    assert ui.last.context["failed"] == []
    assert [row["id"] for row in ui.last.context["recent"]] == [failed.id]
    assert (await Callback.get(id=failed.id)).state == "cancelled"
    entry = await AuditEntry.get(object_type="callback", action="callback_cancelled")
    assert (entry.username, entry.ip, entry.object_id) == (
        "supervisor",
        "127.0.0.1",
        str(failed.id),
    )
    # A second time: refused, named in the lists (which htmx still swaps in).
    again = await ui.post(f"/callbacks/{failed.id}/cancel", headers=HTMX)
    assert again.status_code == 422 and 'data-testid="callback-lists-error"' in again.text
    missing = await ui.post("/callbacks/999999/cancel", headers=HTMX)
    assert missing.status_code == 404
    # Without htmx: back to the page.
    other = await _callback(number="5550126", state="scheduled")
    plain = await ui.post(f"/callbacks/{other.id}/cancel")
    assert plain.status_code == 303 and plain.headers["location"] == "/callbacks"


async def test_given_the_request_form_then_a_queue_callback_is_scheduled(ui: UiClient) -> None:
    await ui.login("supervisor")
    await ui.get("/callbacks")
    assert ui.last.context["queues"] == [QUEUE]

    requested = await ui.post(
        "/callbacks/request",
        {"number": "555 0177", "queue": QUEUE, "due_at": "2030-01-02T09:30", "priority": "7"},
    )

    assert requested.status_code == 303 and requested.headers["location"] == "/callbacks"
    callback = await Callback.get(number="5550177")
    assert (callback.kind, callback.state, callback.queue) == ("queue", "scheduled", QUEUE)
    assert callback.priority == 7 and callback.created_by == "supervisor"
    # The local time is the site's (UTC when the app has no settings).
    assert callback.due_at == datetime(2030, 1, 2, 9, 30, tzinfo=UTC)
    entry = await AuditEntry.get(object_type="callback", action="callback_requested")
    assert (entry.username, entry.ip) == ("supervisor", "127.0.0.1")
    page = await ui.get("/callbacks")
    assert f'data-testid="callback-row-{callback.id}"' in _section(page.text, "waiting")

    now = await ui.post("/callbacks/request", {"number": "5550178", "queue": QUEUE})
    assert now.status_code == 303
    soon = (await Callback.get(number="5550178")).due_at
    assert abs(soon - datetime.now(UTC)) < timedelta(minutes=1)  # empty due: now


async def test_given_a_bad_number_then_the_field_is_named_and_the_form_kept(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    await ui.get("/callbacks")

    refused = await ui.post(
        "/callbacks/request",
        {"number": "12ab", "queue": QUEUE, "due_at": "2030-01-02T09:30", "priority": "9"},
    )

    assert refused.status_code == 422 and ui.last.template == "callbacks/list.html"
    assert ui.last.context["error_field"] == "number"
    assert 'data-field="number"' in refused.text and "number:" in refused.text
    assert 'value="12ab"' in refused.text
    assert 'value="2030-01-02T09:30"' in refused.text and 'value="9"' in refused.text
    assert f'<option value="{QUEUE}" selected>' in refused.text
    bad_priority = await ui.post(
        "/callbacks/request", {"number": "5550179", "queue": QUEUE, "priority": "lots"}
    )
    assert bad_priority.status_code == 422 and ui.last.context["error_field"] == "priority"
    bad_queue = await ui.post("/callbacks/request", {"number": "5550179", "queue": "gone"})
    assert bad_queue.status_code == 422 and ui.last.context["error_field"] == "queue"
    bad_due = await ui.post(
        "/callbacks/request", {"number": "5550179", "queue": QUEUE, "due_at": "soon"}
    )
    assert bad_due.status_code == 422 and ui.last.context["error_field"] == "due_at"
    assert not await Callback.exists()


async def test_given_an_agent_then_the_callbacks_page_is_refused(ui: UiClient) -> None:
    failed = await _callback(state="failed")
    await ui.login("agent")
    assert (await ui.get("/callbacks")).status_code == 403
    assert (await ui.get("/callbacks/lists")).status_code == 403
    refused = await ui.post(f"/callbacks/{failed.id}/cancel")
    assert refused.status_code == 403 and ui.last.context["reason"] == "permission_denied"
    assert (await ui.post("/callbacks/request", {"number": "5550180"})).status_code == 403
    assert (await Callback.get(id=failed.id)).state == "failed"


async def test_given_no_csrf_token_then_cancel_and_request_are_refused(ui: UiClient) -> None:
    failed = await _callback(state="failed")
    await ui.login("supervisor")
    cancel = await ui.post(f"/callbacks/{failed.id}/cancel", csrf=False, headers=HTMX)
    assert cancel.status_code == 403 and ui.last.context["reason"] == "csrf_failed"
    request = await ui.post("/callbacks/request", {"number": "5550181", "queue": QUEUE}, csrf=False)
    assert request.status_code == 403 and ui.last.context["reason"] == "csrf_failed"
    assert (await Callback.get(id=failed.id)).state == "failed"
    assert await Callback.filter(number="5550181").count() == 0


async def test_given_the_navigation_then_supervisors_see_callbacks_and_agents_do_not(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    assert 'href="/callbacks"' in (await ui.get("/")).text
    await ui.login("agent")
    assert 'href="/callbacks"' not in (await ui.get("/")).text
