"""``python -m hotline.audio_convert_worker DIR``: the child that converts one upload.

See ``hotline.audio_convert``: the parent writes the upload and
``request.json`` into DIR, sets this process's rlimits and timeout, and
reads back ``result.json`` and the two audio files.  A refusal is a result,
not a failure; any other failure (out of memory, killed) shows as the exit
status and the parent refuses the upload as ``too_complex``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from hotline.audio_convert import (
    WORKER_NARROWBAND,
    WORKER_REQUEST,
    WORKER_RESULT,
    WORKER_UPLOAD,
    WORKER_WIDEBAND,
    PromptRejected,
    convert_in_this_process,
)


def main(work: Path) -> None:
    """Convert DIR's upload and write the result beside it."""
    request = json.loads((work / WORKER_REQUEST).read_text(encoding="utf-8"))
    data = (work / WORKER_UPLOAD).read_bytes()
    try:
        converted = convert_in_this_process(data, str(request["filename"]))
    except PromptRejected as refused:
        result: dict[str, Any] = {
            "rejected": {
                "reason": refused.reason,
                "message": refused.message,
                "field": refused.field,
                "values": refused.values,
            }
        }
    else:
        (work / WORKER_NARROWBAND).write_bytes(converted.narrowband_wav)
        (work / WORKER_WIDEBAND).write_bytes(converted.wideband_sln16)
        result = {
            "converted": {
                "duration_s": converted.duration_s,
                "source_format": converted.source_format,
                "trimmed_s": converted.trimmed_s,
                "gain_db": converted.gain_db,
            }
        }
    (work / WORKER_RESULT).write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
