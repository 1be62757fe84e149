"""The sandbox's demo inbound trunk: rendered only where it cannot be abused."""

from __future__ import annotations

from hotline.asterisk_config import (
    BENCH_BASELINE_CONTEXT,
    DEMO_TRUNK_HEADER,
    demo_trunk,
    render_template,
    template_values,
)
from hotline.settings import REPO_ROOT, load_settings


def test_given_the_sandbox_on_loopback_then_pjsip_has_the_demo_trunk_into_from_pstn() -> None:
    settings = load_settings({"HOTLINE_ASTERISK": "sandbox"})
    text = render_template(
        (REPO_ROOT / "asterisk" / "config" / "pjsip.conf").read_text(),
        template_values(settings),
        "pjsip.conf",
    )
    assert "[demo-trunk]\ntype = endpoint\ncontext = from-pstn" in text
    assert "dtmf_mode = rfc4733" in text
    assert f"match_header = {DEMO_TRUNK_HEADER}: yes" in text
    assert f"context = {BENCH_BASELINE_CONTEXT}" in text
    assert "auth" not in demo_trunk(settings).replace("auth_", "")


def test_given_a_lan_bind_or_a_system_asterisk_then_there_is_no_demo_trunk() -> None:
    lan = load_settings({"HOTLINE_ASTERISK": "sandbox", "HOTLINE_SIP_BIND": "192.0.2.10"})
    system = load_settings({"HOTLINE_ASTERISK": "system"})
    for settings in (lan, system):
        rendered = demo_trunk(settings)
        assert "type = endpoint" not in rendered
        assert rendered.startswith(";")
