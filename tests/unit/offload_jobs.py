"""A job for the offload tests, run as ``python -m tests.unit.offload_jobs``."""

from __future__ import annotations

import os
import sys
from typing import Any

from hotline.offload import serve_one


def answer(request: Any) -> Any:
    if request == "spin":
        while True:  # a runaway computation: only a kill ends it
            pass
    if request == "crash":
        sys.exit(3)
    if request == "niceness":
        return os.nice(0)
    return {"echo": request}


if __name__ == "__main__":
    serve_one(answer)
