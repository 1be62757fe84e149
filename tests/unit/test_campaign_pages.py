"""The campaign pages without Asterisk: create (a refusal names the field and
keeps the form), import a list (the report, the rejected rows inert), the
live figures, the controls, the exports; and the pacer's glue."""

from __future__ import annotations

import io

import openpyxl

from ari_apps.campaigns import core, pacing
from ari_apps.campaigns.agent_pacing import CampaignPacing, QueueSnapshot
from hotline.models import AuditEntry
from hotline.models_campaigns import Campaign
from tests.unit.ui_support import UiClient


async def test_given_an_administrator_then_a_campaign_is_created_filled_run_and_exported(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    refused = await ui.post("/campaigns", {"name": "Bills", "ring_timeout_s": "5"})
    assert refused.status_code == 422 and "ring_timeout_s" in refused.text
    assert 'value="Bills"' in refused.text  # the form keeps what was typed
    created = await ui.post("/campaigns", {"name": "Bills", "kind": "notification"})
    assert created.status_code == 303
    campaign = await Campaign.get(name="Bills")
    page = await ui.get(f"/campaigns/{campaign.id}")
    assert page.status_code == 200 and ui.last.template == "campaigns/detail.html"

    listed = b"phone,name,amount\n13800000010,Li,88.50\n=1+1,Evil,0\n"
    imported = await ui.client.post(
        f"/campaigns/{campaign.id}/import",
        data={"csrf_token": ui.csrf},
        files={"file": ("list.csv", listed, "text/csv")},
    )
    assert imported.status_code == 200
    assert ui.last.context["report"] == {
        "accepted": 1,
        "rejected": [{"line": 3, "reason": ui.last.context["report"]["rejected"][0]["reason"]}],
    }
    rejected = await ui.get(f"/campaigns/{campaign.id}/rejected.csv")
    assert "'=1+1" in rejected.content.decode("utf-8-sig")

    started = await ui.post(
        f"/campaigns/{campaign.id}/control", {"action": "start"}, headers={"HX-Request": "true"}
    )
    assert ui.last.template == "campaigns/_figures.html"
    assert 'data-state="running"' in started.text
    wrong = await ui.post(f"/campaigns/{campaign.id}/control", {"action": "resume"})
    assert wrong.status_code == 422 and "cannot resume" in wrong.text
    figures = await ui.get(f"/campaigns/{campaign.id}/figures")
    assert 'data-testid="figure-contacts">1<' in figures.text

    as_csv = await ui.get(f"/campaigns/{campaign.id}/attempts.csv")
    assert as_csv.text.splitlines()[0].startswith('\ufeff"id","phone"')
    as_xlsx = await ui.get(f"/campaigns/{campaign.id}/attempts.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None and sheet.cell(1, 2).value == "phone"
    assert (await ui.get(f"/campaigns/{campaign.id}/attempts.pdf")).status_code == 404
    assert (await ui.get("/campaigns/999999")).status_code == 404
    actions = set(await AuditEntry.filter(object_type="campaign").values_list("action", flat=True))
    assert {"campaign_created", "campaign_contacts_imported", "campaign_start"} <= actions


async def test_given_the_dnc_form_then_a_number_is_listed_and_a_bad_one_named(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    added = await ui.post("/campaigns/dnc", {"phone": "138 0000 0099", "reason": "asked"})
    assert added.status_code == 303
    page = await ui.get("/campaigns")
    assert "+8613800000099" in page.text and "asked" in page.text
    refused = await ui.post("/campaigns/dnc", {"phone": "nope"})
    assert refused.status_code == 422 and 'data-testid="dnc-error"' in refused.text


async def test_given_an_agent_then_the_campaign_pages_are_refused(ui: UiClient) -> None:
    await ui.login("agent")
    assert (await ui.get("/campaigns")).status_code == 403
    assert (await ui.post("/campaigns", {"name": "x"})).status_code == 403


def test_given_queue_snapshots_and_call_steps_then_the_pacer_hears_each_once() -> None:
    campaign = Campaign(
        id=7,
        kind="progressive",
        dial_ratio=1.0,
        abandon_cap_pct=3.0,
        max_concurrent=4,
        calls_per_second=5.0,
        ring_timeout_s=20,
    )
    pace = CampaignPacing.of(campaign)
    pace.observe(QueueSnapshot(frozenset({"1001", "1002"}), {}, 0), [])
    assert pace.take_dials() == 2  # one call per free agent
    assert pace.take_dials() == 0
    pace.answered("c1", core.HUMAN, 3.0)
    pace.answered("c2", core.MACHINE, 4.0)
    # c1 met 1001; 1002 went to an inbound call (away for this campaign).
    pace.observe(QueueSnapshot(frozenset(), {"c1": "1001", "other": "1002"}, 0), ["c1", "c2"])
    figures = pace.pacer.figures()
    assert (figures.connected, figures.machine, figures.agents_talking) == (1, 1, 1)
    pace.ended("c1", core.HUMAN, 3.0, "1001")
    pace.ended("c2", core.MACHINE, 4.0, "")
    pace.not_placed(0)
    figures = pace.pacer.figures()
    assert (figures.connected, figures.machine, figures.agents_wrapping_up) == (0, 0, 1)
    # A call that met its agent and ended between two looks: both steps at once.
    pace.observe(QueueSnapshot(frozenset({"1001"}), {}, 0), [])
    dialled = pace.take_dials()
    assert dialled == 1
    pace.answered("c3", core.HUMAN, 2.0)
    pace.ended("c3", core.HUMAN, 2.0, "1001")
    assert pace.pacer.figures().agents_wrapping_up >= 1
    # Hung up during the machine check: ends unanswered for the pacer.
    pace.observe(QueueSnapshot(frozenset({"1001"}), {}, 0), [])
    pace.take_dials()
    pace.ended("c4", core.NO_ANSWER, 20.0, "")
    pace.compliance(None)
    assert not pace.due_compliance()
    pace.compliance(5.0)
    assert pace.pacer.figures().pacing in (pacing.PROGRESSIVE, pacing.COMPLIANCE_HOLD)


async def test_given_a_list_of_thousands_then_it_is_imported_not_refused_as_too_large(
    ui: UiClient,
) -> None:
    # 5,000 contacts are about 150 KiB: over the ordinary form's 64 KiB.
    await ui.login("administrator")
    await ui.post("/campaigns", {"name": "Big list", "kind": "notification"})
    campaign = await Campaign.get(name="Big list")
    rows = "".join(f"1380{number:07d},Name {number},12.50\n" for number in range(5000))
    listed = ("phone,name,amount\n" + rows).encode()
    assert len(listed) > 64 * 1024
    imported = await ui.client.post(
        f"/campaigns/{campaign.id}/import",
        data={"csrf_token": ui.csrf},
        files={"file": ("list.csv", listed, "text/csv")},
    )
    assert imported.status_code == 200
    assert ui.last.context["report"]["accepted"] == 5000
