"""Attachments on a case's actions (附件): photos of a leak, a scanned
letter, a recording a caller sent, a department's reply as a document.

A file is checked before anything is kept: its kind by its name *and* its
first bytes (a ``.pdf`` must start like a PDF), at most 10 MB, at most five
per action.  Files live under ``var/case_files/<case>/``, named by their
content hash, readable by the service's user alone; reading one is a
right of whoever may see the case, and is audited.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from hotline.errors import InvalidRequest

MAX_BYTES: Final = 10 * 1024 * 1024
MAX_FILES: Final = 5
# Extension → (content type, the first bytes such a file starts with).
KINDS: Final[dict[str, tuple[str, tuple[bytes, ...]]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "wav": ("audio/wav", (b"RIFF",)),
    "mp3": ("audio/mpeg", (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),
    "txt": ("text/plain; charset=utf-8", ()),
}
_UNSAFE: Final = re.compile(r"[^\w.\-\u3400-\u9fff]+")


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    data: bytes


@dataclass(frozen=True, slots=True)
class CheckedFile:
    filename: str
    content_type: str
    data: bytes
    sha256: str


def _refuse(message: str, file: str = "") -> InvalidRequest:
    """A refusal naming the field, and the file when it is one file's."""
    details = {"field": "attachments", **({"file": file} if file else {})}
    return InvalidRequest(f"attachments: {message}", details)


def check(uploads: Sequence[Upload]) -> list[CheckedFile]:
    """Every file checked, or the first refusal naming the file."""
    files = [u for u in uploads if u.filename or u.data]
    if len(files) > MAX_FILES:
        raise _refuse(f"at most {MAX_FILES} files ({len(files)} given)")
    checked: list[CheckedFile] = []
    for upload in files:
        name = _UNSAFE.sub("_", Path(upload.filename).name).strip("._")[:120] or "file"
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        kind = KINDS.get(extension)
        if kind is None:
            allowed = ", ".join(sorted(KINDS))
            raise _refuse(f"{name}: not a kind kept here ({allowed})", name)
        if not upload.data:
            raise _refuse(f"{name}: empty", name)
        if len(upload.data) > MAX_BYTES:
            raise _refuse(f"{name}: larger than {MAX_BYTES // 2**20} MB", name)
        content_type, starts = kind
        if starts and not upload.data.startswith(starts):
            raise _refuse(f"{name}: its content is not a .{extension} file", name)
        if extension == "txt":
            try:
                upload.data.decode("utf-8")
            except UnicodeDecodeError:
                raise _refuse(f"{name}: not UTF-8 text", name) from None
        checked.append(
            CheckedFile(name, content_type, upload.data, hashlib.sha256(upload.data).hexdigest())
        )
    return checked


def path_for(var_dir: Path, case_id: int, file: CheckedFile) -> Path:
    return var_dir / "case_files" / str(case_id) / f"{file.sha256[:16]}-{file.filename}"


def write(var_dir: Path, case_id: int, files: Sequence[CheckedFile]) -> list[Path]:
    """Write the files (owner-only); the paths newly written (to remove if
    the action then fails)."""
    written: list[Path] = []
    for file in files:
        path = path_for(var_dir, case_id, file)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if path.exists():
            continue
        path.write_bytes(file.data)
        path.chmod(0o600)
        written.append(path)
    return written
