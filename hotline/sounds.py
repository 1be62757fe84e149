"""The stock Asterisk sounds a flow may reference as ``sound:NAME``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from hotline.settings import load_settings

_EXTENSIONS = (".wav", ".gsm", ".ulaw", ".alaw", ".sln", ".g722", ".sln16")


def sound_names(sounds_dir: Path) -> frozenset[str]:
    names: set[str] = set()
    if not sounds_dir.is_dir():
        return frozenset()
    for path in sounds_dir.rglob("*"):
        if path.suffix in _EXTENSIONS:
            names.add(str(path.relative_to(sounds_dir).with_suffix("")))
    return frozenset(names)


def resolve_in_root(root: Path, path: Path, max_links: int = 8) -> Path:
    """Resolve ``path`` as the chroot at ``root`` sees it.

    Debian points sounds/en at /etc/alternatives/..., an absolute link that
    means nothing from outside the sandbox, so follow links inside ``root``.
    """
    current = path
    for _ in range(max_links):
        if not current.is_symlink():
            return current
        target = Path(current.readlink())
        if target.is_absolute():
            current = root / target.relative_to("/")
        else:
            current = current.parent / target
    return current


@lru_cache(maxsize=1)
def known_sounds() -> frozenset[str] | None:
    """Sound names of the configured Asterisk, or None when they can't be read.

    None turns the sound check off instead of failing every flow when Hotline
    runs on another host than Asterisk.
    """
    settings = load_settings()
    root = Path(settings.asterisk_root or "/")
    names = sound_names(resolve_in_root(root, root / "usr/share/asterisk/sounds/en"))
    return names or None
