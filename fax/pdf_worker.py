"""The child process behind ``fax.documents.prepare_pdf``: ``python -m fax.pdf_worker DIR``.

Reads ``DIR/upload.pdf``; writes ``DIR/result.json`` (``{"pages": n}`` or a
refusal ``{"reason": ..., "message": ...}``) and, when accepted,
``DIR/clean.pdf``, the pages re-serialised by pypdf.  The parent sets its
rlimits and timeout; running out of memory here is a refusal, not a crash.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from fax.documents import DocumentRejected, check_and_reserialise


def main(work: Path) -> int:
    data = (work / "upload.pdf").read_bytes()
    try:
        checked, clean = check_and_reserialise(data)
    except DocumentRejected as refused:
        result: dict[str, object] = {"reason": refused.reason, "message": refused.message}
    except MemoryError:
        result = {
            "reason": "too_complex",
            "message": "The PDF could not be read within the memory allowed.",
        }
    else:
        (work / "clean.pdf").write_bytes(clean)
        result = {"pages": checked.pages}
    (work / "result.json").write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    # pypdf reports damaged-but-readable files through logging; stderr shows them.
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    sys.exit(main(Path(sys.argv[1])))
