"""Auto-answering bench agents: one baresip process holding many SIP accounts.

Every agent answers at once and sends a 440 Hz tone, which is what a
successful caller must hear.  The native half's PJSIP endpoints are created
here through ARI dynamic config with Hotline's own agent fields
(ari_apps.provisioning.agent_objects), so both halves ring identical
endpoints; only the caller id marks them as the bench's.
"""

from __future__ import annotations

import asyncio
import math
import struct
import subprocess
import wave
from dataclasses import dataclass, field
from pathlib import Path

from ari_apps.demo_call.phone import (
    BARESIP_MODULES,
    free_udp_port,
    start_baresip,
    stop_baresip,
)
from ari_apps.provisioning import agent_objects
from tests.bench.ari import AriRequestError, BenchAri

AGENT_TONE_HZ = 440
BENCH_CALLERID = "Bench agent"  # marks endpoints the bench created
# Longer than any bench call lasts after the agent answers.
TONE_FILE_S = 30
# Away from Asterisk's RTP range (rtp.conf, 10000-20000 by default).
AGENT_RTP_PORTS = "40000-48000"


def agent_endpoint_fields(extension: str, password: str) -> dict[str, dict[str, str]]:
    """Hotline's own PJSIP objects for an agent, marked as a bench agent."""
    objects = agent_objects(extension, password)
    objects["endpoint"]["callerid"] = f'"{BENCH_CALLERID} {extension}" <{extension}>'
    return objects


def write_tone(path: Path, frequency_hz: int, seconds: int, rate: int = 8000) -> None:
    """A plain sine as 16-bit mono WAV, at a level well above silence."""
    amplitude = 8000
    frames = b"".join(
        struct.pack("<h", round(amplitude * math.sin(2 * math.pi * frequency_hz * n / rate)))
        for n in range(rate * seconds)
    )
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(frames)


class EndpointTaken(RuntimeError):
    """An endpoint the bench wants already exists and is not a bench agent."""


async def _endpoint_owner(ari: BenchAri, extension: str) -> str | None:
    """None when there is no such endpoint, else its caller id."""
    current = await ari.request(
        "GET", f"/asterisk/config/dynamic/res_pjsip/endpoint/{extension}", accept_missing=True
    )
    if current is None:
        return None
    fields = {item.get("attribute"): item.get("value") for item in current}
    # Asterisk hands the caller id back quoted: "Bench agent 3001" <3001>.
    return str(fields.get("callerid", "")).lstrip('"')


async def check_endpoints_free(ari: BenchAri, extensions: list[str]) -> None:
    """Refuse to overwrite somebody's phone with a bench agent."""
    for extension in extensions:
        owner = await _endpoint_owner(ari, extension)
        if owner is not None and not owner.startswith(BENCH_CALLERID):
            raise EndpointTaken(
                f"PJSIP endpoint {extension} exists and is not a bench agent; the baseline "
                f"needs endpoints {extensions[0]}..{extensions[-1]} free"
            )


async def delete_bench_endpoints(ari: BenchAri, extensions: list[str]) -> None:
    """Delete those of the endpoints that the bench created itself."""
    for extension in extensions:
        owner = await _endpoint_owner(ari, extension)
        if owner is not None and owner.startswith(BENCH_CALLERID):
            await delete_endpoints(ari, [extension])


async def create_endpoints(ari: BenchAri, extensions: list[str], password: str) -> None:
    for extension in extensions:
        for object_type, values in agent_endpoint_fields(extension, password).items():
            body = {"fields": [{"attribute": k, "value": v} for k, v in values.items()]}
            await ari.request(
                "PUT", f"/asterisk/config/dynamic/res_pjsip/{object_type}/{extension}", body=body
            )


async def delete_endpoints(ari: BenchAri, extensions: list[str]) -> None:
    """Delete these endpoints outright (their agents were the bench's)."""
    for extension in extensions:
        for object_type in ("endpoint", "aor", "auth"):
            try:
                await ari.request(
                    "DELETE",
                    f"/asterisk/config/dynamic/res_pjsip/{object_type}/{extension}",
                    accept_missing=True,
                )
            except AriRequestError as error:
                # 403: the object lives in static config, not ours to delete.
                if error.status != 403:
                    raise


async def online_count(ari: BenchAri, extensions: list[str]) -> int:
    endpoints = await ari.request("GET", "/endpoints/PJSIP")
    online = {e["resource"] for e in endpoints if e.get("state") == "online"}
    return sum(1 for extension in extensions if extension in online)


@dataclass
class AgentPool:
    """One baresip process with an auto-answering account per extension."""

    extensions: list[str]
    password: str
    sip_host: str
    sip_port: int
    workdir: Path
    process: subprocess.Popen[bytes] | None = None
    local_port: int = field(default_factory=free_udp_port)

    def write_config(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        tone = self.workdir / "tone.wav"
        write_tone(tone, AGENT_TONE_HZ, TONE_FILE_S)
        (self.workdir / "accounts").write_text(
            "".join(
                f"<sip:{ext}@{self.sip_host}:{self.sip_port};transport=udp>"
                f";auth_pass={self.password};answermode=auto;regint=300"
                ";audio_codecs=PCMU\n"
                for ext in self.extensions
            )
        )
        (self.workdir / "config").write_text(
            "\n".join(
                [
                    "poll_method epoll",
                    f"sip_listen 127.0.0.1:{self.local_port}",
                    # baresip refuses calls beyond this many at once (default 4).
                    f"call_max_calls {len(self.extensions) + 8}",
                    f"rtp_ports {AGENT_RTP_PORTS}",
                    # A prepared 8 kHz mono tone: ausine only makes 48 kHz
                    # stereo, and resampling that for 60 calls costs baresip
                    # a third of a core the services under test need.
                    f"audio_source aufile,{tone}",
                    # Agents need not hear the caller.
                    "audio_player aubridge,nil",
                    "audio_alert aubridge,nil",
                    f"module_path {BARESIP_MODULES}",
                    "module g711.so",
                    "module aufile.so",
                    "module aubridge.so",
                    "module account.so",
                    "",
                ]
            )
        )

    def start(self) -> None:
        self.write_config()
        self.process = start_baresip(self.workdir)

    def stop(self) -> None:
        stop_baresip(self.process)
        self.process = None

    async def wait_registered(self, ari: BenchAri, timeout_s: float | None = None) -> None:
        """Bounded wait until Asterisk sees every account online.

        One baresip registers its accounts one after another: a few hundred
        take over a minute, so the bound grows with the pool.
        """
        if timeout_s is None:
            timeout_s = max(60.0, 0.5 * len(self.extensions))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        online = 0
        while loop.time() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"baresip exited; see {self.workdir / 'baresip.log'}")
            online = await online_count(ari, self.extensions)
            if online == len(self.extensions):
                return
            await asyncio.sleep(0.5)
        raise RuntimeError(
            f"only {online}/{len(self.extensions)} bench agents registered in {timeout_s:.0f} s"
        )
