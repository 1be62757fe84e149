"""Peak RSS of converting one prompt upload, in this process and in its children.

    python -m tests.bench.prompt_rss FILE [--module PATH]

FILE is converted with ``hotline.audio_convert.convert_upload`` (or with the
``convert.py`` at PATH, e.g. an older one from ``git show``), and the peak
resident set size of this process (the one Hotline's upload handler runs
in) and of its largest child is printed.  A 16 MiB Opus file at 6 kbit/s
(5.6 hours) makes the difference plain:

    ffmpeg -f lavfi -i sine=frequency=600:sample_rate=8000:duration=20250 \\
        -c:a libopus -b:a 6k -vbr off -application voip big.opus

It prints numbers; it never passes or fails.
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import sys
import time
from pathlib import Path
from types import ModuleType


def _load(path: Path | None) -> ModuleType:
    if path is None:
        from hotline import audio_convert as convert

        return convert
    spec = importlib.util.spec_from_file_location("convert_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--module", type=Path, default=None, help="convert.py to measure")
    args = parser.parse_args()
    convert = _load(args.module)
    data = args.file.read_bytes()
    before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    try:
        converted = convert.convert_upload(data, args.file.name)
        outcome = f"converted, {converted.duration_s:.1f} s"
    except convert.PromptRejected as refused:
        outcome = f"refused: {refused.reason} ({refused.message})"
    elapsed_s = time.monotonic() - started
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"file               {args.file} ({len(data) / 2**20:.1f} MiB)")
    print(f"outcome            {outcome}")
    print(f"elapsed            {elapsed_s:.2f} s")
    print(f"process peak RSS   {self_kb / 1024:.0f} MB", end="")
    print(f" (once the upload was read: {before_kb / 1024:.0f} MB)")
    print(f"largest child RSS  {child_kb / 1024:.0f} MB")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
