"""The disposition and entry reports, their pages and their files."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import openpyxl

from hotline.metrics.call_reports import (
    AnsweredCall,
    EnteredCall,
    disposition_report,
    disposition_rows,
    entry_report,
    entry_rows,
)
from hotline.models import AuditEntry, CallEvent, CallRecord
from hotline.tenancy import home_tenant_id
from tests.unit.ui_support import UiClient


def test_given_answered_calls_then_each_queue_shares_its_outcomes() -> None:
    rows = disposition_rows(
        [
            AnsweredCall("support", "resolved"),
            AnsweredCall("support", "resolved"),
            AnsweredCall("support", None),
            AnsweredCall("billing", "complaint"),
        ]
    )
    assert rows == [
        {"queue": "billing", "disposition": "complaint", "calls": 1, "share": 1.0},
        {"queue": "support", "disposition": "resolved", "calls": 2, "share": 0.6667},
        {"queue": "support", "disposition": "(none)", "calls": 1, "share": 0.3333},
    ]


def test_given_calls_per_number_then_ivr_drop_outs_name_their_nodes() -> None:
    rows = entry_rows(
        [
            EnteredCall("8000", True, False, "support_queue"),
            EnteredCall("8000", False, True, "menu"),
            EnteredCall("8000", False, True, "menu"),
            EnteredCall("8000", False, True, "account"),
            EnteredCall("8100", False, False, None),
        ]
    )
    assert rows[0] == {
        "did": "8000",
        "calls": 4,
        "reached_queue": 1,
        "dropped_in_ivr": 3,
        "ivr_drop_rate": 0.75,
        "dropped_at": "menu 2; account 1",
    }
    assert rows[1]["dropped_at"] == "" and rows[1]["ivr_drop_rate"] == 0.0


async def _calls() -> tuple[datetime, datetime]:
    tenant = await home_tenant_id()
    now = datetime.now(UTC)
    answered = await CallRecord.create(
        call_id="r1",
        tenant_id=tenant,
        did="8000",
        caller_id="5550101",
        queue="support",
        agent_extension="1001",
        agent_disposition="resolved",
        started_at=now - timedelta(minutes=5),
        answered_at=now - timedelta(minutes=4),
        disposition="answered",
    )
    await CallEvent.create(
        call=answered, at=now - timedelta(minutes=5), kind="node", data={"node": "menu"}
    )
    await CallEvent.create(
        call=answered, at=now - timedelta(minutes=5), kind="queue_joined", data={"queue": "support"}
    )
    dropped = await CallRecord.create(
        call_id="r2",
        tenant_id=tenant,
        did="8000",
        caller_id="5550102",
        started_at=now - timedelta(minutes=3),
        disposition="abandoned_in_ivr",
    )
    await CallEvent.create(
        call=dropped, at=now - timedelta(minutes=3), kind="node", data={"node": "menu"}
    )
    return now - timedelta(hours=1), now + timedelta(minutes=1)


async def test_given_stored_calls_then_both_reports_read_them(ui: UiClient) -> None:
    since, until = await _calls()
    tenant = await home_tenant_id()
    assert await disposition_report(tenant, since, until) == [
        {"queue": "support", "disposition": "resolved", "calls": 1, "share": 1.0}
    ]
    (entry,) = await entry_report(tenant, since, until)
    assert (entry["calls"], entry["reached_queue"], entry["dropped_at"]) == (2, 1, "menu 1")


async def test_given_the_report_pages_then_tables_show_and_files_export_audited(
    ui: UiClient,
) -> None:
    since, until = await _calls()
    # The days by name: the pages' default, today, misses calls of a few
    # minutes ago just after midnight (the site's zone is UTC here).
    days = f"from={since.date().isoformat()}&to={until.date().isoformat()}"
    await ui.login("supervisor")
    for kind in ("agents", "dispositions", "entries"):
        page = await ui.get(f"/reports/{kind}?{days}")
        assert page.status_code == 200, kind
        assert f'data-testid="reports-table-{kind}"' in page.text
    entries = ui.last.context["rows"]
    assert entries[0]["ivr_drop_rate"] == "50.0 %"
    sheet = await ui.get(f"/reports/entries.xlsx?{days}")
    assert sheet.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(sheet.content), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("did", "calls", "reached_queue")
    assert rows[1][:3] == ("8000", 2, 1)
    csv = await ui.get(f"/reports/agents.csv?{days}")
    assert csv.status_code == 200
    assert csv.text.lstrip("\ufeff").startswith('"agent","name","calls"')
    exported = await AuditEntry.filter(action="report_exported").values_list("object_id", flat=True)
    assert sorted(str(kind) for kind in exported) == ["agents", "entries"]
    bad = await ui.get("/reports/dispositions?from=yesterday")
    assert bad.status_code == 400
