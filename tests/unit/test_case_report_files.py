"""The case report as files, without Asterisk: the combined document at
/cases/report.{xlsx,pdf,docx} (the ranking's permission) and
GET /api/v1/reports/cases (its contract kept, the sections added, ?format=);
every standard report's PDF and Word next to its CSV and XLSX, on the pages
and the API; a case section as a saved custom report; audit rows; a name
like a formula inert in every format."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import openpyxl
import pytest

from admin_ui.app import create_app
from admin_ui.web.routing import route_permission
from hotline.cases import case_reports, services
from hotline.center import Actor
from hotline.errors import InvalidRequest
from hotline.metrics import saved_reports
from hotline.models import AuditEntry
from hotline.models_cases import Department
from hotline.tenancy import home_tenant_id
from tests.unit.stand_in import StandInCenter
from tests.unit.test_api_routes import Api
from tests.unit.test_api_routes import api as api  # the fixture, re-exported
from tests.unit.test_report_documents import HOSTILE, docx_tables, pdf_text
from tests.unit.ui_support import UiClient

SECTIONS = list(case_reports.SECTIONS)
ISO_PERIOD = "from=2026-11-01T00:00:00%2B08:00&to=2026-12-01T00:00:00%2B08:00"


async def _replied_case() -> None:
    """A complaint billing (营业部) replied to: a row in most sections."""
    tenant = await home_tenant_id()
    case = await services.create_case(
        tenant,
        Actor("agent1001", "127.0.0.1", tenant),
        {"category": "投诉", "subject": "Leak", "department": "billing"},
    )
    await services.act(
        tenant, Actor("billing", "127.0.0.1", tenant), case["id"], {"action": "reply", "note": "ok"}
    )


def _sheets(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return {name: list(workbook[name].iter_rows(values_only=True)) for name in workbook.sheetnames}


# -- /cases/report.* -------------------------------------------------------------------


def test_given_the_case_report_routes_then_they_ask_the_rankings_permission() -> None:
    app = create_app(StandInCenter())
    permissions = {
        getattr(route, "path", ""): route_permission(route)
        for route in app.routes
        if getattr(route, "path", "").startswith("/cases")
        and "GET" in (getattr(route, "methods", None) or ())
    }
    for file_format in ("xlsx", "pdf", "docx"):
        assert permissions[f"/cases/report.{file_format}"] == permissions["/cases"] == "cases:view"


async def test_given_an_agent_on_the_ranking_then_the_case_report_downloads_in_three_formats(
    ui: UiClient,
) -> None:
    await _replied_case()
    await ui.login("agent")  # cases:view, but no reports:view
    page = await ui.get("/cases?view=ranking")
    assert ui.last.template == "cases/ranking.html"
    for file_format in ("xlsx", "pdf", "docx"):
        assert f'href="/cases/report.{file_format}"' in page.text
    assert ui.last.context["report_from"] < ui.last.context["report_to"]

    pdf = await ui.get("/cases/report.pdf")
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert 'filename="case_report_' in pdf.headers["content-disposition"]
    text = pdf_text(pdf.content)
    assert "Case report" in text and "On-time rate and ranking" in text and "营业部" in text

    word = await ui.get("/cases/report.docx")
    assert word.status_code == 200
    tables = docx_tables(word.content)
    assert len(tables) == len(SECTIONS)
    by_department = tables[SECTIONS.index("cases_by_department")]
    assert by_department[0][:3] == ["Department", "Name", "Name (English)"]
    assert by_department[1][:2] == ["billing", "营业部"]

    entries = await AuditEntry.filter(action="report_exported").order_by("id")
    assert [(e.object_id, e.after["format"], e.username) for e in entries] == [
        ("case_report", "pdf", "agent"),
        ("case_report", "docx", "agent"),
    ]


async def test_given_whole_days_then_the_case_report_xlsx_has_a_sheet_per_section(
    ui: UiClient,
) -> None:
    await _replied_case()
    await ui.login("supervisor")
    today = date.today()
    first, last = today - timedelta(days=5), today + timedelta(days=1)
    response = await ui.get(f"/cases/report.xlsx?from={first}&to={last}")
    assert response.status_code == 200, response.text
    # Whole days, "to" included: the file names the day after it as the end.
    name = f"case_report_{first}_{last + timedelta(days=1)}.xlsx"
    assert response.headers["content-disposition"] == f'attachment; filename="{name}"'
    sheets = _sheets(response.content)
    assert list(sheets) == SECTIONS
    for name, rows in sheets.items():
        assert rows[0] == case_reports.SECTIONS[name].columns
    assert sheets["cases_by_category"][1][:4] == ("投诉", "投诉", "Complaint", 1)

    refused = await ui.get("/cases/report.pdf?from=yesterday")
    assert refused.status_code == 400 and refused.json()["details"] == {"field": "from"}


async def test_given_a_role_without_cases_then_the_case_report_is_refused(ui: UiClient) -> None:
    await ui.login("telecom_engineer")
    assert (await ui.get("/cases/report.pdf")).status_code == 403
    assert not await AuditEntry.filter(action="report_exported").exists()


# -- GET /api/v1/reports/cases -------------------------------------------------------


async def test_given_the_case_report_api_then_its_contract_stays_and_sections_are_added(
    api: Api,
) -> None:
    await _replied_case()
    body = (await api.get("/reports/cases", "auditor")).json()
    assert {"from", "to", "departments", "overall", "follow_up", "sections"} <= set(body)
    assert list(body["sections"]) == SECTIONS
    assert body["sections"]["cases_on_time"] == body["departments"]
    assert body["sections"]["cases_overall"] == [body["overall"]]
    by_department = {row["department"]: row for row in body["sections"]["cases_by_department"]}
    assert by_department["billing"]["replied"] == 1


async def test_given_a_format_then_the_api_answers_the_whole_case_report_as_a_file(
    api: Api,
) -> None:
    await _replied_case()
    xlsx = await api.get("/reports/cases?format=xlsx", "supervisor")
    assert xlsx.status_code == 200, xlsx.text
    assert list(_sheets(xlsx.content)) == SECTIONS
    pdf = await api.get("/reports/cases?format=pdf&lang=zh-CN")
    assert pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "工单统计报表" in text and "按期办结率" in text and "营业部" in text
    word = await api.get("/reports/cases?format=docx")
    assert word.status_code == 200 and len(docx_tables(word.content)) == len(SECTIONS)

    refused = await api.get("/reports/cases?format=csv")
    assert refused.status_code == 400 and refused.json()["details"] == {"field": "format"}
    entries = await AuditEntry.filter(action="report_exported").order_by("id")
    assert [(e.source, e.object_id, e.after["format"]) for e in entries] == [
        ("api", "case_report", "xlsx"),
        ("api", "case_report", "pdf"),
        ("api", "case_report", "docx"),
    ]
    assert entries[0].username == "supervisor tests"


# -- every standard report as PDF and Word -------------------------------------------


@pytest.mark.parametrize("kind", ["queues", "agents", "entries", "cases_steps"])
async def test_given_any_standard_report_then_the_api_answers_pdf_and_word(
    api: Api, kind: str
) -> None:
    await _replied_case()
    pdf = await api.get(f"/reports/{kind}.pdf?{ISO_PERIOD}&lang=zh-CN", "auditor")
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert (
        pdf.content.startswith(b"%PDF")
        and f'filename="{kind}_' in pdf.headers["content-disposition"]
    )
    word = await api.get(f"/reports/{kind}.docx?{ISO_PERIOD}")
    assert word.status_code == 200
    assert word.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    [table] = docx_tables(word.content)
    assert len(table[0]) >= 2  # the header row, headed in English
    formats = [
        e.after["format"]
        for e in await AuditEntry.filter(action="report_exported", object_id=kind).order_by("id")
    ]
    assert formats == ["pdf", "docx"]


async def test_given_a_case_section_page_then_it_shows_and_links_every_format(
    ui: UiClient,
) -> None:
    await _replied_case()
    await ui.login("supervisor")
    await ui.post("/language", {"language": "zh-CN", "next": "/"})
    page = await ui.get("/reports/cases_by_department")
    assert page.status_code == 200 and ui.last.template == "reports/table.html"
    assert ui.last.context["rows"][0]["name"] == "营业部"
    for file_format in ("csv", "xlsx", "pdf", "docx"):
        assert f'href="/reports/cases_by_department.{file_format}?' in page.text
    assert 'data-testid="reports-tab-cases_steps"' in page.text

    word = await ui.get("/reports/cases_by_department.docx")
    assert word.status_code == 200
    [table] = docx_tables(word.content)
    assert table[0][:2] == ["部门", "名称"]  # the user's language
    assert table[1][:2] == ["billing", "营业部"]
    pdf = await ui.get("/reports/queues.pdf")
    assert pdf.status_code == 200 and "队列" in pdf_text(pdf.content)


async def test_given_the_steps_section_then_business_hours_show_beside_wall_clock_hours(
    ui: UiClient, api: Api
) -> None:
    await _replied_case()
    held = ["Mean hours held", "Longest hours held"]
    business = ["Mean business hours held", "Longest business hours held"]
    # The API: the fields beside the wall-clock ones (no calendar here: equal).
    body = (await api.get("/reports/cases", "auditor")).json()
    steps = {(r["step"], r["department"]): r for r in body["sections"]["cases_steps"]}
    billing = steps[("handle", "billing")]
    assert billing["avg_business_hours_held"] == billing["avg_hours_held"] is not None
    assert billing["max_business_hours_held"] == billing["max_hours_held"]
    # The combined files: XLSX by field name, Word headed in the reader's language.
    await ui.login("supervisor")
    header = _sheets((await ui.get("/cases/report.xlsx")).content)["cases_steps"][0]
    at = header.index("max_hours_held")
    assert header[at + 1 : at + 3] == ("avg_business_hours_held", "max_business_hours_held")
    word = await ui.get("/cases/report.docx")
    [table_header, *_] = docx_tables(word.content)[SECTIONS.index("cases_steps")]
    at = table_header.index(held[0])
    assert table_header[at : at + 4] == [*held, *business]
    # The page, in Chinese.
    await ui.post("/language", {"language": "zh-CN", "next": "/"})
    page = await ui.get("/reports/cases_steps")
    assert page.status_code == 200
    assert "平均办理小时（工作时间）" in page.text and "最长办理小时（工作时间）" in page.text
    assert 'data-field="max_business_hours_held"' in page.text
    word = await ui.get("/reports/cases_steps.docx")
    [table] = docx_tables(word.content)
    assert "平均办理小时（工作时间）" in table[0]


@pytest.mark.security
async def test_given_a_department_named_like_a_formula_then_every_export_keeps_it_inert(
    ui: UiClient,
) -> None:
    await Department.create(
        tenant_id=await home_tenant_id(), code="evil", name=HOSTILE, name_en=HOSTILE
    )
    await ui.login("supervisor")
    xlsx = await ui.get("/reports/cases_on_time.xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx.content)).active.iter_rows())
    name = next(row[1] for row in rows[1:] if row[0].value == "evil")
    assert name.value == "'" + HOSTILE and name.data_type == "s"
    combined = _sheets((await ui.get("/cases/report.xlsx")).content)
    assert ("evil", "'" + HOSTILE) in [row[:2] for row in combined["cases_by_department"]]
    word = await ui.get("/reports/cases_on_time.docx")
    assert ["evil", "'" + HOSTILE] in [row[:2] for row in docx_tables(word.content)[0]]
    pdf = await ui.get("/cases/report.pdf")
    assert "'" + HOSTILE in "".join(pdf_text(pdf.content).split())
    csv = await ui.get("/reports/cases_on_time.csv")
    assert f'"evil","\'{HOSTILE.replace(chr(34), chr(34) * 2)}"' in csv.text


# -- saved custom reports --------------------------------------------------------------


async def test_given_a_saved_case_section_then_it_runs_filtered_and_exports_as_word(
    ui: UiClient,
) -> None:
    await _replied_case()
    await ui.login("supervisor")
    created = await ui.post(
        "/reports/saved",
        {
            "name": "Billing's steps",
            "kind": "cases_steps",
            "columns": ["turns", "returned"],
            "filter": "billing",
        },
    )
    assert created.status_code == 303, created.text
    location = created.headers["location"]
    page = await ui.get(location)
    assert page.status_code == 200
    assert ui.last.context["columns"] == ["department", "turns", "returned"]
    assert ui.last.context["rows"] == [{"department": "billing", "turns": "1", "returned": "0"}]
    word = await ui.get(f"{location}.docx")
    assert word.status_code == 200
    assert docx_tables(word.content)[0][1] == ["billing", "1", "0"]
    form = await ui.get("/reports/saved?kind=cases_overall")
    assert 'data-testid="saved-filter"' not in form.text  # one row: nothing to filter


async def test_given_the_overall_section_then_a_saved_report_takes_no_filter(
    ui: UiClient,
) -> None:
    viewer = saved_reports.Viewer("supervisor", ("supervisor",), await home_tenant_id())
    with pytest.raises(InvalidRequest) as refused:
        await saved_reports.create(
            viewer, name="x", kind="cases_overall", columns=["due"], filter_value="billing"
        )
    assert refused.value.details == {"field": "filter"}
    report = await saved_reports.create(
        viewer, name="Overall", kind="cases_overall", columns=["on_time_pct", "due"]
    )
    assert report.columns == ["due", "on_time_pct"] and report.filters == {}
