"""Sound names are read from the sandbox, following its absolute symlinks."""

from __future__ import annotations

from pathlib import Path

from hotline.sounds import resolve_in_root, sound_names


def test_given_absolute_symlinks_inside_chroot_then_they_resolve_inside_it(tmp_path: Path) -> None:
    root = tmp_path / "chroot"
    voice = root / "usr/share/asterisk/sounds/en_US_f_Allison"
    (voice / "digits").mkdir(parents=True)
    (voice / "hello-world.wav").write_bytes(b"RIFF")
    (voice / "digits" / "1.gsm").write_bytes(b"x")
    (voice / "readme.txt").write_text("not a sound")
    alternatives = root / "etc/alternatives"
    alternatives.mkdir(parents=True)
    (alternatives / "asterisk-prompt-en").symlink_to("/usr/share/asterisk/sounds/en_US_f_Allison")
    (root / "usr/share/asterisk/sounds/en").symlink_to("/etc/alternatives/asterisk-prompt-en")

    resolved = resolve_in_root(root, root / "usr/share/asterisk/sounds/en")

    assert resolved == voice
    assert sound_names(resolved) == frozenset({"hello-world", "digits/1"})
