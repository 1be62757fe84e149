"""Render Asterisk's configuration from the templates in ``asterisk/config``.

Templates use ``@@NAME@@`` placeholders because ``${...}`` is dialplan syntax.
For the sandbox the files go straight into the chroot's /etc/asterisk; for a
system Asterisk they go to ``HOTLINE_ASTERISK_ETC`` and the README explains
which snippets to include.
"""

from __future__ import annotations

import re
from pathlib import Path

from hotline.asterisk_account import share_file
from hotline.settings import REPO_ROOT, Settings
from hotline.sim_pstn import ensure_sim_sounds, person_tone_media
from hotline.webrtc_cert import ensure_dtls_certificate

TEMPLATE_DIR = REPO_ROOT / "asterisk" / "config"
_PLACEHOLDER = re.compile(r"@@([A-Z_]+)@@")


def template_values(settings: Settings) -> dict[str, str]:
    return {
        "ARI_APP": settings.ari_app,
        "ARI_BIND": settings.ari_bind,
        "ARI_PORT": str(settings.ari_port),
        "ARI_USER": settings.ari_user,
        "ARI_PASSWORD": settings.ari_password,
        "AMI_BIND": settings.ami_bind,
        "AMI_PORT": str(settings.ami_port),
        "AMI_USER": settings.ami_user,
        "AMI_SECRET": settings.ami_secret,
        "SIP_BIND": settings.sip_bind,
        "SIP_PORT": str(settings.sip_port),
        "RTP_START": str(settings.rtp_start),
        "RTP_END": str(settings.rtp_end),
        "AGI_HOST": settings.agi_host,
        "AGI_PORT": str(settings.agi_port),
        "PJSIP_EXTRA": "",
        "DEMO_TRUNK": demo_trunk(settings),
        "SIM_PSTN_INCLUDE": sim_pstn_include(settings),
        "SIM_PERSON_TONE": person_tone_media(settings),
    }


def sim_pstn_include(settings: Settings) -> str:
    """``[to-pstn]``'s way into the simulated PSTN: the sandbox's only.

    The sandbox has no carrier, so calls out reach a simulated network
    (``hotline-sim-pstn.conf``, README "The simulated PSTN") that tests, the
    demo and the benchmarks dial.  A system Asterisk's calls go to its trunks.
    """
    if settings.asterisk_mode != "sandbox":
        return "; (no simulated PSTN: a system Asterisk dials its trunks)"
    return "include => hotline-sim-pstn"


# The header a demo trunk caller sends (``make bench-sip`` does), and its values.
DEMO_TRUNK_HEADER = "X-Hotline-Demo-Trunk"
DEMO_TRUNK_ENDPOINT = "demo-trunk"
DEMO_TRUNK_VALUE = "yes"
# The benchmark's baseline half has its own DID in its own context
# (asterisk/config/hotline-bench.conf); this twin of the trunk leads there.
BENCH_BASELINE_TRUNK_ENDPOINT = "demo-trunk-bench-baseline"
BENCH_BASELINE_TRUNK_VALUE = "bench-baseline"
BENCH_BASELINE_CONTEXT = "hotline-bench-pstn"


def demo_trunk(settings: Settings) -> str:
    """An inbound trunk into ``[from-pstn]``: the pattern for a carrier's.

    Only in the sandbox on a loopback SIP bind, where the only callers are
    the benchmark's and the tests' own: whoever sends the header reaches the
    DIDs as a PSTN caller would, with no password, as from a carrier that
    the trunk trusts by address.  A real carrier trunk goes into
    ``hotline-trunks.conf`` (admin UI, ``/dialplan``) and is identified by
    the carrier's address instead: ``match = <carrier IP or network>``.
    """
    if settings.asterisk_mode != "sandbox" or settings.sip_host != "127.0.0.1":
        return "; (no demo trunk: only the sandbox on a loopback SIP bind has one)"
    lines = [
        "; The demo inbound trunk (hotline/asterisk_config.py, demo_trunk): calls",
        "; carrying the header below enter [from-pstn] with the dialled DID.",
    ]
    for name, context, value in (
        (DEMO_TRUNK_ENDPOINT, "from-pstn", DEMO_TRUNK_VALUE),
        (BENCH_BASELINE_TRUNK_ENDPOINT, BENCH_BASELINE_CONTEXT, BENCH_BASELINE_TRUNK_VALUE),
    ):
        lines += [
            f"[{name}]",
            "type = endpoint",
            f"context = {context}",
            "disallow = all",
            "allow = alaw,ulaw",
            "; RFC 4733 (2833) telephone-events, as carriers send digits.",
            "dtmf_mode = rfc4733",
            "direct_media = no",
            "rtp_symmetric = yes",
            "rewrite_contact = yes",
            "",
            f"[{name}]",
            "type = identify",
            f"endpoint = {name}",
            f"match_header = {DEMO_TRUNK_HEADER}: {value}",
            "",
        ]
    return "\n".join(lines)


def render_template(text: str, values: dict[str, str], name: str) -> str:
    def substitute(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"{name}: unknown placeholder @@{key}@@")
        return values[key]

    return _PLACEHOLDER.sub(substitute, text)


def render_all(settings: Settings, extra: dict[str, str] | None = None) -> list[Path]:
    """Render every template; return the files whose content changed."""
    values = template_values(settings) | (extra or {})
    target_dir = settings.asterisk_etc
    target_dir.mkdir(parents=True, exist_ok=True)
    # Not configuration, but made with it: the browser phones' DTLS identity.
    ensure_dtls_certificate(settings)
    ensure_sim_sounds(settings)
    changed: list[Path] = []
    for template in sorted(TEMPLATE_DIR.glob("*.conf")):
        rendered = render_template(template.read_text(encoding="utf-8"), values, template.name)
        target = target_dir / template.name
        if target.exists() and target.read_text(encoding="utf-8") == rendered:
            continue
        tmp = target.with_suffix(".conf.tmp")
        tmp.write_text(rendered, encoding="utf-8")
        # Asterisk runs unprivileged: it reads these through its group.
        share_file(tmp, settings.asterisk_root)
        tmp.replace(target)
        changed.append(target)
    return changed


def asterisk_rx_args(settings: Settings, command: str) -> list[str]:
    """The command line that runs one Asterisk CLI command (``asterisk -rx``).

    The sandbox's control socket lives inside the chroot, so the client must
    run there too.
    """
    if settings.asterisk_mode == "sandbox":
        return ["chroot", settings.asterisk_root, "/usr/sbin/asterisk", "-rx", command]
    return ["asterisk", "-rx", command]
