"""The simulated PSTN is reachable from ``[to-pstn]`` in the sandbox only,
after telecom staff's routes and before "no route"."""

from __future__ import annotations

import re
import wave
from pathlib import Path

from hotline.asterisk_config import render_template, template_values
from hotline.settings import REPO_ROOT, load_settings
from hotline.sim_pstn import PERSON_TONE_HZ, ensure_sim_sounds, sounds_dir

CONFIG = REPO_ROOT / "asterisk" / "config"


def _to_pstn(environ: dict[str, str]) -> list[str]:
    text = render_template(
        (CONFIG / "extensions.conf").read_text(),
        template_values(load_settings(environ)),
        "extensions.conf",
    )
    section = text.split("\n[to-pstn]\n", 1)[1].split("\n[", 1)[0]
    return re.findall(r"^include => (\S+)", section, flags=re.MULTILINE)


def test_given_the_sandbox_then_to_pstn_reaches_the_simulated_network_after_custom_routes() -> None:
    assert _to_pstn({"HOTLINE_ASTERISK": "sandbox"}) == [
        "to-pstn-custom",
        "hotline-sim-pstn",
        "hotline-no-route",
    ]


def test_given_a_system_asterisk_then_calls_out_reach_only_its_trunks() -> None:
    assert _to_pstn({"HOTLINE_ASTERISK": "system"}) == ["to-pstn-custom", "hotline-no-route"]


def test_the_number_plan_has_a_callee_for_every_contract_digit() -> None:
    text = (CONFIG / "hotline-sim-pstn.conf").read_text()
    callees = set(re.findall(r"^exten => callee-(\d),1,", text, flags=re.MULTILINE))
    assert {"0", "1", "2", "3", "4", "9"} <= callees
    assert "Stasis(pstn,${SIM_NUMBER})" in text


def test_the_person_tone_is_a_wav_asterisk_can_read(tmp_path: Path) -> None:
    settings = load_settings(
        {"HOTLINE_ASTERISK": "system", "HOTLINE_ASTERISK_ETC": str(tmp_path / "etc")}
    )
    ensure_sim_sounds(settings)
    with wave.open(str(sounds_dir(settings) / "person-tone.wav")) as tone:
        assert (tone.getframerate(), tone.getnchannels(), tone.getsampwidth()) == (8000, 1, 2)
        assert tone.getnframes() == 8000 * 10
    assert PERSON_TONE_HZ == 700
