"""Saved custom reports: what may be saved, who sees them, running them on
the standard figures, their exports, and the audit rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hotline.errors import InvalidRequest
from hotline.metrics import saved_reports
from hotline.models import AuditEntry, CallEvent, CallRecord
from hotline.models_reports import SavedReport
from hotline.tenancy import home_tenant_id
from tests.unit.ui_support import UiClient


def test_given_rows_then_keep_filters_and_projects() -> None:
    rows = [
        {"queue": "support", "offered": 3, "answered": 2},
        {"queue": "billing", "offered": 1, "answered": 1},
    ]
    assert saved_reports.keep(rows, ["queue", "offered"], {"queue": "support"}) == [
        {"queue": "support", "offered": 3}
    ]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "", "kind": "queues", "columns": ["offered"]}, "name"),
        ({"name": "x", "kind": "sales", "columns": ["offered"]}, "kind"),
        ({"name": "x", "kind": "queues", "columns": ["secret"]}, "columns"),
        ({"name": "x", "kind": "agents", "columns": ["calls"], "by": "day"}, "by"),
        (
            {"name": "x", "kind": "queues", "columns": ["offered"], "shared_role": "nope"},
            "shared_role",
        ),
    ],
)
async def test_given_a_bad_report_then_it_is_refused_naming_the_field(
    ui: UiClient, fields: dict[str, object], field: str
) -> None:
    viewer = saved_reports.Viewer("supervisor", ("supervisor",), await home_tenant_id())
    with pytest.raises(InvalidRequest) as refused:
        await saved_reports.create(viewer, **fields)  # type: ignore[arg-type]
    assert refused.value.details == {"field": field}
    assert not await SavedReport.exists()


async def _answered_call() -> str:
    """An answered call two minutes ago, and the query string naming its day
    (the site's zone is UTC here): the day is asked for by name, since two
    minutes after midnight the call is yesterday's."""
    now = datetime.now(UTC)
    record = await CallRecord.create(
        call_id="s1", tenant_id=await home_tenant_id(), started_at=now - timedelta(minutes=2)
    )
    at = now - timedelta(minutes=2)
    await CallEvent.create(call=record, at=at, kind="queue_joined", data={"queue": "support"})
    await CallEvent.create(
        call=record,
        at=at + timedelta(seconds=4),
        kind="queue_left",
        data={"queue": "support", "outcome": "answered"},
    )
    return f"from={at.date().isoformat()}&to={at.date().isoformat()}"


async def test_given_a_report_shared_with_auditors_then_they_run_it_and_only_the_owner_deletes(
    ui: UiClient,
) -> None:
    day = await _answered_call()
    await ui.login("supervisor")
    created = await ui.post(
        "/reports/saved",
        {
            "name": "Support per day",
            "kind": "queues",
            "columns": ["offered", "answered", "service_level"],
            "by": "day",
            "filter": "support",
            "shared_role": "auditor",
        },
    )
    assert created.status_code == 303, created.text
    report = await SavedReport.get(name="Support per day")
    assert report.columns == ["queue", "offered", "answered", "service_level"]
    entry = await AuditEntry.get(action="saved_report_created")
    assert entry.username == "supervisor"

    page = await ui.get(f"/reports/saved/{report.id}?{day}")
    assert page.status_code == 200
    (row,) = ui.last.context["rows"]
    assert (row["queue"], row["offered"], row["answered"]) == ("support", "1", "1")
    assert len(row["period"]) == 16
    sheet = await ui.get(f"/reports/saved/{report.id}.csv?{day}")
    assert sheet.status_code == 200 and "period" in sheet.text.splitlines()[0]

    await ui.login("auditor")
    listing = await ui.get("/reports/saved")
    assert "Support per day" in listing.text
    refused = await ui.post(f"/reports/saved/{report.id}/delete", {})
    assert refused.status_code == 400 and await SavedReport.exists(id=report.id)
    await ui.login("agent")
    assert (await ui.get(f"/reports/saved/{report.id}")).status_code == 403

    await ui.login("supervisor")
    gone = await ui.post(f"/reports/saved/{report.id}/delete", {})
    assert gone.status_code == 303 and not await SavedReport.exists(id=report.id)
    assert await AuditEntry.exists(action="saved_report_deleted")


async def test_given_a_report_not_shared_then_another_supervisor_does_not_see_it(
    ui: UiClient,
) -> None:
    tenant = await home_tenant_id()
    owner = saved_reports.Viewer("someone", ("supervisor",), tenant)
    report = await saved_reports.create(owner, name="Mine", kind="agents", columns=["calls"])
    await ui.login("supervisor")
    assert (await ui.get(f"/reports/saved/{report.id}")).status_code == 404
    await ui.get("/reports/saved")
    assert ui.last.context["saved"] == []


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_given_every_report_kind_grain_column_and_filter_then_each_has_a_label(
    language: str,
) -> None:
    # The templates build these keys at run time ("reports.kind." ~ kind), so
    # no static key check sees them; a missing one shows as a raw key.
    import json
    from pathlib import Path

    from hotline.metrics.intervals import GRAINS
    from hotline.metrics.report_kinds import KINDS

    labels = json.loads(
        (Path("admin_ui/i18n") / f"reports.{language}.json").read_text(encoding="utf-8")
    )
    wanted = {f"reports.kind.{kind}" for kind in KINDS}
    wanted |= {f"reports.by.{grain}" for grain in (*GRAINS, "whole")}
    wanted |= {
        f"reports.field.{column}" for kind in KINDS for column in saved_reports.columns_of(kind)
    }
    wanted |= {f"reports.field.{field}" for field in saved_reports.FILTERS.values()}
    assert sorted(wanted - labels.keys()) == []
