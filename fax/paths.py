"""Where fax files live, on the host and as Asterisk sees them.

SendFAX and ReceiveFAX open files inside Asterisk's filesystem: for the
sandbox that is the chroot, so a path handed to the dialplan is the
in-chroot path and Hotline reads and writes it under ``asterisk_root``.
For a system Asterisk (empty root) both are the same absolute path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final

from hotline.settings import Settings

SPOOL_DIR: Final = PurePosixPath("/var/spool/asterisk/fax/hotline")


@dataclass(frozen=True, slots=True)
class FaxPaths:
    asterisk_root: str
    var_dir: Path

    @classmethod
    def from_settings(cls, settings: Settings) -> FaxPaths:
        return cls(settings.asterisk_root, settings.var_dir)

    def on_host(self, asterisk_path: PurePosixPath | str) -> Path:
        path = PurePosixPath(asterisk_path)
        if not self.asterisk_root:
            return Path(path)
        return Path(self.asterisk_root) / path.relative_to("/")

    def for_asterisk(self, host_path: Path) -> PurePosixPath:
        if not self.asterisk_root:
            return PurePosixPath(host_path)
        return PurePosixPath("/") / host_path.relative_to(self.asterisk_root)

    def document_tiff(self, number: str, sha256: str) -> Path:
        return self.on_host(SPOOL_DIR / "documents" / f"{number}-{sha256[:12]}.tif")

    def received_tiff(self, job_id: int) -> Path:
        return self.on_host(SPOOL_DIR / "received" / f"fax-{job_id}.tif")

    def document_pdf(self, number: str, sha256: str) -> Path:
        return self.var_dir / "fax" / "documents" / f"{number}-{sha256[:12]}.pdf"

    def received_pdf(self, job_id: int) -> Path:
        return self.var_dir / "fax" / "received" / f"fax-{job_id}.pdf"
