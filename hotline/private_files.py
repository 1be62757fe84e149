"""Hotline's own files under ``var/`` are private to the user it runs as.

The SQLite database holds the agents' SIP passwords in clear (Asterisk's
PJSIP needs them), the logs name callers, and ``var/run`` holds the
secrets: none of it is anyone else's business on a shared box.  Every start
takes group and other permissions away from everything under ``var/``,
except what a system Asterisk (another user) must read there: the rendered
configuration (``asterisk-etc``) and the prompts (``sounds``).  ``var/``
itself stays traversable (0711, not listable) so that Asterisk can reach
those two.  Files made later inside a private directory cannot be reached
by others whatever their mode; a file made later in ``var/`` itself (the
database on the first start) is tightened when the start is complete.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Final

SHARED_WITH_ASTERISK: Final = frozenset({"sounds", "asterisk-etc"})


def make_var_private(var_dir: Path) -> None:
    var_dir.mkdir(parents=True, exist_ok=True)
    var_dir.chmod(0o711)
    for entry in var_dir.iterdir():
        if entry.name not in SHARED_WITH_ASTERISK:
            _owner_only(entry)


def make_private(path: Path) -> None:
    """One file (e.g. a database outside ``var/``) for its owner alone."""
    if path.exists() and not path.is_symlink():
        _owner_only(path)


def _owner_only(path: Path) -> None:
    # Never follow a link: it may point anywhere, e.g. into Asterisk's tree.
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        return
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        path.chmod(mode & 0o700)
    if stat.S_ISDIR(info.st_mode):
        for child in path.iterdir():
            _owner_only(child)
