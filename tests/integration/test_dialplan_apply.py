"""Applying custom dialplan and trunks to the real sandbox Asterisk, with rollback.

What really fails after our checker has passed the text:
- a context declared as a template (``[name](!)``) is valid config syntax,
  but Asterisk never makes a template a live context, so verification
  (``dialplan show``) does not find it;
- an endpoint with an invalid option value (``dtmf_mode = ...``) is only
  key = value to the checker, but res_pjsip refuses to create the object, so
  ``pjsip show endpoint`` does not find it.
Both must leave the previous file in place and the previous config live.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from hotline.dialplan_apply import KINDS, DialplanApplier, touch, write_atomically
from hotline.settings import load_settings

pytestmark = pytest.mark.asterisk

GOOD_DIALPLAN = "[custom-test]\nexten => 7000,1,Playback(hello-world)\n same => n,Hangup()\n"
TEMPLATE_DIALPLAN = "[custom-tpl](!)\nexten => 7001,1,NoOp()\n"
GOOD_TRUNKS = (
    "[hotline-trunk-test]\ntype = aor\ncontact = sip:127.0.0.1:5099\n\n"
    "[hotline-trunk-test]\ntype = endpoint\ncontext = to-pstn\ndisallow = all\n"
    "allow = ulaw\naors = hotline-trunk-test\n"
)
BAD_TRUNKS = GOOD_TRUNKS + (
    "\n[hotline-trunk-bad]\ntype = endpoint\ncontext = to-pstn\ndtmf_mode = no-such-mode\n"
)


@pytest.fixture
async def applier(hotline_env: dict[str, str]) -> AsyncIterator[DialplanApplier]:
    settings = load_settings()
    applier = DialplanApplier.from_settings(settings)
    before = {kind: applier.live_text(kind) for kind in KINDS}
    yield applier
    # Leave the sandbox as it was for the other tests.
    for kind, text in before.items():
        write_atomically(applier.path_of(kind), text, applier.asterisk_root)
        touch(applier.etc_dir / KINDS[kind].parent_filename)
        await applier.cli.run(KINDS[kind].reload_command)


async def test_given_custom_context_when_applied_then_live_and_bad_one_rolled_back(
    applier: DialplanApplier,
) -> None:
    applied = await applier.apply("dialplan", GOOD_DIALPLAN)
    assert applied.status == "applied", applied
    shown = await applier.cli.run("dialplan show custom-test")
    assert "[ Context 'custom-test'" in shown.output
    assert "Playback(hello-world)" in shown.output

    failed = await applier.apply("dialplan", TEMPLATE_DIALPLAN)
    assert failed.status == "rolled_back", failed
    assert "custom-tpl" in failed.error
    assert applier.live_text("dialplan") == GOOD_DIALPLAN
    # The restored file is live again after the rollback's reload.
    shown = await applier.cli.run("dialplan show custom-test")
    assert "[ Context 'custom-test'" in shown.output
    missing = await applier.cli.run("dialplan show custom-tpl")
    assert "[ Context 'custom-tpl'" not in missing.output


async def test_given_trunk_when_applied_then_endpoint_live_and_invalid_one_rolled_back(
    applier: DialplanApplier,
) -> None:
    applied = await applier.apply("trunks", GOOD_TRUNKS)
    assert applied.status == "applied", applied
    shown = await applier.cli.run("pjsip show endpoint hotline-trunk-test")
    assert "hotline-trunk-test" in shown.output and "Unable to find" not in shown.output

    failed = await applier.apply("trunks", BAD_TRUNKS)
    assert failed.status == "rolled_back", failed
    assert "hotline-trunk-bad" in failed.error
    assert applier.live_text("trunks") == GOOD_TRUNKS
    shown = await applier.cli.run("pjsip show endpoint hotline-trunk-test")
    assert "Unable to find" not in shown.output
