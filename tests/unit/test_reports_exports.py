"""The queue report as files (issue 14, section 5): the API's and the page's exports.

``/api/v1/reports/queues.{csv,xlsx}`` hold the JSON report's rows, refuse a
bad period like it, and are audited; ``/reports`` shows the same rows to
those holding ``reports:view`` (supervisors, auditors, administrators).
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import openpyxl
import pytest

from hotline.models import AuditEntry, Queue
from hotline.permissions import BUILTIN_ROLES
from hotline.tenancy import home_tenant_id
from tests.unit.test_api_routes import Api
from tests.unit.test_api_routes import api as api  # the fixture, re-exported
from tests.unit.test_reports_api import DAY, _visit
from tests.unit.ui_support import UiClient

PERIOD = f"from={DAY.isoformat()}&to={(DAY + timedelta(days=1)).isoformat()}".replace("+", "%2B")


async def _store_calls() -> str:
    queue = await Queue.filter(tenant_id=await home_tenant_id()).order_by("name").first()
    assert queue is not None
    name, at = queue.name, DAY + timedelta(hours=9)
    await _visit(
        "a",
        name,
        at,
        (12, "queue_left", {"queue": name, "outcome": "answered"}),
        (12, "answered", {"agent": "1001"}),
        (72, "ended", {}),
    )
    await _visit("c", name, at, (2, "queue_left", {"queue": name, "outcome": "abandoned"}))
    await _visit("d", name, at, (30, "queue_left", {"queue": name, "outcome": "abandoned"}))
    return name


def _sheet_rows(data: bytes) -> list[dict[str, Any]]:
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    header = [str(name) for name in rows[0]]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


async def test_given_stored_calls_then_the_xlsx_holds_the_json_rows_numbers(api: Api) -> None:
    name = await _store_calls()
    rows = (await api.get(f"/reports/queues?{PERIOD}")).json()

    response = await api.get(f"/reports/queues.xlsx?{PERIOD}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    disposition = response.headers["content-disposition"]
    assert disposition == 'attachment; filename="queues_2026-11-30_2026-12-01.xlsx"'
    sheet = _sheet_rows(response.content)
    assert [row["queue"] for row in sheet] == [row["queue"] for row in rows]
    for json_row, sheet_row in zip(rows, sheet, strict=True):
        for field, value in json_row.items():
            if isinstance(value, dict):
                continue  # overflowed_by_rule: JSON text in the cell
            assert sheet_row[field] == value, (field, json_row["queue"])
    ours = next(row for row in sheet if row["queue"] == name)
    assert (ours["offered"], ours["answered"], ours["abandoned"]) == (3, 1, 2)
    assert ours["abandon_rate"] == pytest.approx(0.5)  # (2 − 1 short) ÷ (3 − 1)


async def test_given_stored_calls_then_the_csv_holds_the_json_rows(api: Api) -> None:
    await _store_calls()
    rows = (await api.get(f"/reports/queues?{PERIOD}")).json()

    response = await api.get(f"/reports/queues.csv?{PERIOD}", role="auditor")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "queues_2026-11-30_2026-12-01.csv" in response.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0] == list(rows[0])
    for json_row, line in zip(rows, lines[1:], strict=True):
        cells = dict(zip(lines[0], line, strict=True))
        assert cells["queue"] == json_row["queue"]
        assert int(cells["offered"]) == json_row["offered"]
        rate = json_row["service_level"]
        assert cells["service_level"] == ("" if rate is None else str(rate))


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "from"),
        ("from=2026-12-01T00:00:00Z", "to"),
        ("from=yesterday&to=2026-12-02T00:00:00Z", "from"),
        ("from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "to"),
    ],
)
async def test_given_a_bad_period_then_the_export_is_400_naming_the_parameter(
    api: Api, suffix: str, query: str, field: str
) -> None:
    response = await api.get(f"/reports/queues.{suffix}?{query}")
    assert response.status_code == 400, response.text
    assert response.json()["details"] == {"field": field}
    assert not await AuditEntry.filter(action="report_exported").exists()


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
async def test_given_an_api_export_then_an_audit_row_names_format_and_period(
    api: Api, suffix: str
) -> None:
    response = await api.get(f"/reports/queues.{suffix}?{PERIOD}", role="supervisor")
    assert response.status_code == 200
    entry = await AuditEntry.get(action="report_exported")
    assert (entry.source, entry.object_type, entry.object_id) == ("api", "report", "queues")
    assert entry.username == "supervisor tests"
    assert entry.tenant_id == await home_tenant_id()
    assert entry.after == {
        "format": suffix,
        "from": "2026-11-30T00:00:00+00:00",
        "to": "2026-12-01T00:00:00+00:00",
    }


# --- the page: /reports ------------------------------------------------------


def test_reports_are_for_supervisors_auditors_and_administrators_not_agents() -> None:
    may_view = {role for role, granted in BUILTIN_ROLES.items() if "reports:view" in granted}
    assert may_view == {"administrator", "supervisor", "auditor"}
    assert not any("reports:edit" in granted for granted in BUILTIN_ROLES.values())


@pytest.mark.security
@pytest.mark.parametrize("path", ["/reports", "/reports/queues.csv", "/reports/queues.xlsx"])
async def test_given_an_agent_then_reports_and_exports_are_403(ui: UiClient, path: str) -> None:
    await ui.login("agent")
    response = await ui.get(path)
    assert response.status_code == 403
    assert ui.last.template == "errors/403.html"
    assert 'href="/reports"' not in (await ui.get("/")).text  # nor in the navigation


async def test_given_a_supervisor_then_the_page_shows_every_figure_and_the_export_links(
    ui: UiClient,
) -> None:
    name = await _store_calls()
    await ui.login("supervisor")
    response = await ui.get("/reports?from=2026-11-30&to=2026-11-30")
    assert response.status_code == 200, response.text
    assert ui.last.template == "reports/page.html"
    context = ui.last.context
    row = next(row for row in context["rows"] if row["queue"] == name)
    assert (row["offered"], row["answered"], row["abandoned"]) == ("3", "1", "2")
    assert row["abandon_rate"] == "50.0 %" and row["asa_s"] == "0:12"
    assert set(context["columns"]) >= {"service_level", "abandon_rate", "asa_s", "aht_s"}
    query = "from=2026-11-30&amp;to=2026-11-30"
    assert f'href="/reports/queues.csv?{query}"' in response.text
    assert f'href="/reports/queues.xlsx?{query}"' in response.text
    assert 'data-testid="reports-table"' in response.text
    assert "/static/echarts-6.1.0.simple.min.js" in response.text
    assert 'href="/reports" aria-current="page"' in response.text

    await ui.get("/reports?from=2026-10-01&to=2026-10-01")  # no calls then
    quiet = ui.last.context["rows"]
    assert quiet and all(row["service_level"] == row["asa_s"] == "–" for row in quiet)  # never 0 %


async def test_given_a_queue_and_an_htmx_request_then_only_that_queues_result_is_sent(
    ui: UiClient,
) -> None:
    name = await _store_calls()
    await ui.login("auditor")
    response = await ui.get(
        f"/reports?from=2026-11-30&to=2026-11-30&queue={name}", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert ui.last.template == "reports/_result.html"
    assert "<html" not in response.text
    assert [row["queue"] for row in ui.last.context["rows"]] == [name]
    assert '"offered":[3]' in ui.last.context["series_json"]


async def test_given_a_bad_day_then_the_page_says_which_field(ui: UiClient) -> None:
    await ui.login("supervisor")
    response = await ui.get("/reports?from=30.11.2026&to=2026-11-30")
    assert response.status_code == 400
    assert "'from'" in ui.last.context["error"]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
async def test_given_a_ui_export_then_the_file_comes_and_an_audit_row_is_written(
    ui: UiClient, suffix: str
) -> None:
    name = await _store_calls()
    await ui.login("supervisor")
    response = await ui.get(f"/reports/queues.{suffix}?from=2026-11-30&to=2026-11-30&queue={name}")
    assert response.status_code == 200
    disposition = response.headers["content-disposition"]
    assert disposition == f'attachment; filename="queues_2026-11-30_2026-12-01.{suffix}"'
    if suffix == "xlsx":
        assert [row["queue"] for row in _sheet_rows(response.content)] == [name]
    entry = await AuditEntry.get(action="report_exported")
    assert (entry.username, entry.source) == ("supervisor", "ui")
    assert entry.after == {
        "format": suffix,
        "from": "2026-11-30T00:00:00+00:00",
        "to": "2026-12-01T00:00:00+00:00",
        "queue": name,
    }


async def test_given_the_page_per_day_then_each_row_names_its_day(ui: UiClient) -> None:
    await _store_calls()
    await ui.login("supervisor")
    page = await ui.get("/reports?from=2026-11-01&to=2026-12-31&by=day")
    assert page.status_code == 200
    rows = ui.last.context["rows"]
    assert rows and all(len(row["period"]) == 16 for row in rows)  # "YYYY-MM-DD HH:MM"
    assert 'data-field="period"' in page.text
    assert ui.last.context["period"].by == "day"
    assert "by=day" in ui.last.context["export_query"]
    bad = await ui.get("/reports?from=2026-11-01&to=2026-12-31&by=year")
    assert bad.status_code == 400
