"""``make bench-amd``: how often Asterisk's AMD takes people for machines,
and machines for people, on real calls through the simulated PSTN.

A campaign per parameter set dials a mix of the simulated PSTN's callees
(README "The simulated PSTN"): people who say "hello" (digit 0), people
with a long greeting (5), answering machines with a 6 s greeting (1) and
machines with a short one (6).  Every call goes through Hotline's dialer and
``[hotline-campaign]``'s AMD(), exactly as a campaign's would; the verdicts
are read back from the attempts.  Nothing is timed: the figures are the
share of each kind of callee the detector got wrong.

The simulated callees are deterministic: each kind always sounds the same,
so the figures say how a parameter set treats each style of greeting, and
the mix (``--per-kind``) weights them.  Real lines add noise and variety.

Run: ``python -m tests.bench.amd [--per-kind N]`` (starts Hotline and the
sandbox if they are not running; ``make down`` stops them).
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
import uuid
from collections import Counter
from typing import Any, Final

from ari_apps.demo_call.api import HotlineApi
from hotline.settings import REPO_ROOT, read_env_file

# last digit -> (what the callee is, what AMD should say)
KINDS: Final = {
    "0": ("person", "human"),
    "5": ("person, long greeting", "human"),
    "1": ("machine", "machine"),
    "6": ("machine, short greeting", "machine"),
}
PARAMETER_SETS: Final[dict[str, dict[str, int]]] = {
    "asterisk-defaults": {},
    "patient": {"greeting": 2500, "after_greeting_silence": 1000},
}


def numbers(per_kind: int) -> list[str]:
    # +86 138 00 iiiii d: a valid mainland mobile number; never the "99" script.
    return [f"+8613800{index:05d}{digit}" for digit in KINDS for index in range(per_kind)]


async def run_set(api: HotlineApi, name: str, params: dict[str, int], per_kind: int) -> str:
    created = await api.post(
        "/campaigns",
        {
            "name": f"bench-amd {name} {uuid.uuid4().hex[:6]}",
            "kind": "notification",
            "amd_params": params,
            "machine_action": "hang_up",
            "max_attempts": 1,
            "max_concurrent": 10,
            "calls_per_second": 5,
            "ring_timeout_s": 15,
        },
    )
    campaign_id = created["id"]
    await api.post(
        f"/campaigns/{campaign_id}/contacts",
        {"contacts": [{"phone": phone} for phone in numbers(per_kind)]},
    )
    await api.post(f"/campaigns/{campaign_id}/start")
    deadline = time.monotonic() + 60 + 3 * per_kind * len(KINDS)
    while (await api.get(f"/campaigns/{campaign_id}"))["state"] != "finished":
        if time.monotonic() > deadline:
            raise SystemExit(f"bench-amd: campaign {campaign_id} did not finish")
        await asyncio.sleep(1)
    attempts: list[dict[str, Any]] = await api.get(f"/campaigns/{campaign_id}/attempts")
    wrong: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for attempt in attempts:
        _, truth = KINDS[attempt["phone"][-1]]
        total[truth] += 1
        if attempt["outcome"] != truth:
            wrong[truth] += 1
    humans_as_machines = 100.0 * wrong["human"] / max(1, total["human"])
    machines_as_humans = 100.0 * wrong["machine"] / max(1, total["machine"])
    machine_verdicts = Counter(a["phone"][-1] for a in attempts if a["outcome"] == "machine")
    by_kind = " ".join(f"{digit}:{machine_verdicts[digit]}/{per_kind}" for digit in KINDS)
    return (
        f"amd params={name} calls={len(attempts)} "
        f"humans_as_machines_pct={humans_as_machines:.1f} "
        f"machines_as_humans_pct={machines_as_humans:.1f} "
        f"machine_verdicts_by_last_digit={by_kind}"
    )


async def main_async(per_kind: int) -> None:
    api = HotlineApi(read_env_file(REPO_ROOT / "var" / "run" / "hotline.env"))
    print(
        f"bench-amd: {per_kind} callees of each kind: "
        + "; ".join(f"{digit} = {kind}" for digit, (kind, _) in KINDS.items())
    )
    for name, params in PARAMETER_SETS.items():
        print(await run_set(api, name, params, per_kind), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-kind", type=int, default=5)
    args = parser.parse_args(argv)
    subprocess.run([sys.executable, "-m", "hotline.cli", "up"], cwd=REPO_ROOT, check=True)
    asyncio.run(main_async(args.per_kind))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
