"""The DTLS certificate of the desk's browser phones (WebRTC endpoints).

WebRTC media is DTLS-SRTP: Asterisk proves itself with a certificate whose
fingerprint travels in the SDP, so a self-signed one is all it needs (the
browser checks the fingerprint, not a CA).  ``make run`` (render) makes one
on first use, kept beside the rendered configuration, readable by Asterisk
alone; it is never in the repository.
"""

from __future__ import annotations

import subprocess
from pathlib import Path, PurePosixPath
from typing import Final

from hotline.asterisk_account import share_file, shared_dir
from hotline.settings import Settings

CERT_NAME: Final = "hotline-dtls.crt"
KEY_NAME: Final = "hotline-dtls.key"
VALID_DAYS: Final = 3650


def keys_dir(settings: Settings) -> Path:
    return settings.asterisk_etc / "keys"


def asterisk_path(settings: Settings, host_path: Path) -> str:
    """The path as Asterisk sees it: inside the sandbox's chroot, from its root."""
    if settings.asterisk_mode == "sandbox" and settings.asterisk_root:
        return str(PurePosixPath("/") / host_path.relative_to(settings.asterisk_root))
    return str(host_path)


def dtls_files(settings: Settings) -> tuple[str, str]:
    """(certificate, private key) as Asterisk opens them."""
    folder = keys_dir(settings)
    return asterisk_path(settings, folder / CERT_NAME), asterisk_path(settings, folder / KEY_NAME)


def ensure_dtls_certificate(settings: Settings) -> bool:
    """Make the self-signed certificate when missing; True when it was made."""
    folder = shared_dir(keys_dir(settings), settings.asterisk_root)
    cert, key = folder / CERT_NAME, folder / KEY_NAME
    if cert.exists() and key.exists():
        return False
    # ECDSA P-256: what browsers use for their own DTLS certificates.
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            str(VALID_DAYS),
            "-subj",
            "/CN=Hotline browser phones",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    share_file(key, settings.asterisk_root)
    share_file(cert, settings.asterisk_root)
    return True
