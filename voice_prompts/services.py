"""The prompt catalogue: store, replace (a new version), list, used by, delete.

Delivery to Asterisk is by shared files: each language has its directory in
Asterisk's sounds tree (``sounds/en/hotline``, ``sounds/zh_CN/hotline``) and
``prompt:NAME`` plays as ``sound:hotline/NAME`` with the caller's language
(see hotline.languages).  Asterisk's HTTP media cache
(``sound:http://...``) was tried here before and refused our WAVs, and it
would re-download on every cache expiry; a shared directory (NFS or a sync
for a remote Asterisk) is simpler and plays from the first call.

Every version is kept as ``NAME.v<N>.wav`` and ``NAME.v<N>.sln16``; the live
``NAME.wav`` / ``NAME.sln16`` are hard links to the current version's files,
swapped in with a rename so Asterisk never opens a half-written file.

Prompts belong to a tenant (hotline/tenancy.py): every function that reads
or changes the catalogue takes the caller's ``tenant_id``, and another
tenant's prompt is "not found", exactly like a missing one.  Names stay one
namespace (the files share one directory per language), so storing under a
name another tenant holds is refused as "not available", saying no more.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from tortoise.transactions import in_transaction

from hotline import audio_convert as convert
from hotline.audio_convert import ConvertedPrompt, PromptRejected
from hotline.errors import Conflict, NotFound
from hotline.languages import LANGUAGES, asterisk_language
from hotline.models import Flow, FlowVersion
from hotline.models_prompts import Prompt, PromptVersion
from hotline.settings import Settings, load_settings
from hotline.sounds import resolve_in_root
from hotline.tenancy import scoped
from voice_prompts import tts

NAME_PATTERN: Final = re.compile(r"[a-z0-9_-]{1,64}")
CATEGORIES: Final = ("greeting", "menu", "queue", "announcement", "closed", "other")
SOURCES: Final = ("upload", "recording", "tts", "restore")
SOUNDS_DIR_ENV: Final = "HOTLINE_SOUNDS_DIR"
AUDIO_SUFFIXES: Final = (".wav", ".sln16")

# One change at a time: version numbers and file renames of the same name
# must not interleave.
_changes = asyncio.Lock()


def check_name(name: str) -> str:
    if not NAME_PATTERN.fullmatch(name):
        raise PromptRejected(
            "bad_name",
            f"prompt name {name!r}: use 1-64 of a-z, 0-9, '_' and '-'",
            "name",
            name=name,
        )
    return name


def check_choice(field: str, value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise PromptRejected(f"bad_{field}", f"{field} must be one of {choices}", field)
    return value


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class PromptFiles:
    """The audio files of the prompts, one ``hotline`` directory per language."""

    def __init__(self, sounds_root: Path, chroot: Path | None = None) -> None:
        self.sounds_root = sounds_root
        self.chroot = chroot

    def directory(self, language: str) -> Path:
        language_dir = self.sounds_root / asterisk_language(language)
        if self.chroot is not None:
            # Debian links sounds/en to /etc/alternatives/...: an absolute
            # link that only means something inside the chroot.
            language_dir = resolve_in_root(self.chroot, language_dir)
        return language_dir / "hotline"

    def live(self, name: str, language: str, suffix: str = ".wav") -> Path:
        return self.directory(language) / f"{check_name(name)}{suffix}"

    def kept(self, name: str, language: str, version: int, suffix: str = ".wav") -> Path:
        return self.directory(language) / f"{check_name(name)}.v{version}{suffix}"

    def write_version(self, name: str, language: str, version: int, audio: ConvertedPrompt) -> None:
        """Keep ``audio`` as version ``version`` and make it the live audio of its language."""
        directory = self.directory(language)
        directory.mkdir(parents=True, exist_ok=True)
        contents = {".wav": audio.narrowband_wav, ".sln16": audio.wideband_sln16}
        for suffix, data in contents.items():
            self._write_atomically(self.kept(name, language, version, suffix), data)
        self.make_live(name, language, version)

    def make_live(self, name: str, language: str, version: int) -> None:
        for suffix in AUDIO_SUFFIXES:
            kept = self.kept(name, language, version, suffix)
            tmp = kept.with_name(f".{name}.{secrets.token_hex(4)}.tmp")
            try:
                try:
                    os.link(kept, tmp)
                except OSError:  # a file system without hard links
                    tmp.write_bytes(kept.read_bytes())
                    tmp.chmod(0o644)
                os.replace(tmp, self.live(name, language, suffix))
            finally:
                tmp.unlink(missing_ok=True)

    def undo_version(
        self, name: str, language: str, version: int, previous_version: int | None
    ) -> None:
        """Forget ``version`` (the database refused it); the previous one plays again."""
        if previous_version is not None:
            self.make_live(name, language, previous_version)
        else:
            for suffix in AUDIO_SUFFIXES:
                self.live(name, language, suffix).unlink(missing_ok=True)
        for suffix in AUDIO_SUFFIXES:
            self.kept(name, language, version, suffix).unlink(missing_ok=True)

    def read_live(self, name: str, language: str) -> bytes | None:
        path = self.live(name, language)
        return path.read_bytes() if path.is_file() else None

    def read_kept(
        self, name: str, language: str, version: int, suffix: str = ".wav"
    ) -> bytes | None:
        path = self.kept(name, language, version, suffix)
        return path.read_bytes() if path.is_file() else None

    def remove(self, name: str) -> list[str]:
        """Delete every file of ``name`` in every language; returns ``lang/file`` names."""
        pattern = re.compile(rf"{re.escape(check_name(name))}(\.v\d+)?\.(wav|sln16)")
        removed = []
        for language in LANGUAGES:
            directory = self.directory(language)
            if not directory.is_dir():
                continue
            for path in sorted(directory.iterdir()):
                if pattern.fullmatch(path.name):
                    path.unlink()
                    removed.append(f"{language}/{path.name}")
        return removed

    @staticmethod
    def _write_atomically(path: Path, data: bytes) -> None:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            with open(tmp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            tmp.chmod(0o644)  # Asterisk may run as another user
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)


def prompt_files(settings: Settings, environ: Mapping[str, str] | None = None) -> PromptFiles:
    """Where prompts are delivered: the sandbox's sounds tree, or a configurable one.

    With a system Asterisk, Hotline writes to ``$HOTLINE_SOUNDS_DIR`` (Asterisk's
    own ``/usr/share/asterisk/sounds`` when Hotline may write there) or, by
    default, ``<var_dir>/sounds``, whose ``<lang>/hotline`` directories must
    then be linked into Asterisk's sounds tree.
    """
    if settings.asterisk_root:
        root = Path(settings.asterisk_root)
        return PromptFiles(root / "usr/share/asterisk/sounds", chroot=root)
    env = os.environ if environ is None else environ
    configured = env.get(SOUNDS_DIR_ENV, "")
    return PromptFiles(Path(configured) if configured else settings.var_dir / "sounds")


def current_files() -> PromptFiles:
    """The configured prompt files (tests monkeypatch this)."""
    return prompt_files(load_settings())


# --- the catalogue ---------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    flow_id: int
    flow_name: str
    where: str  # "draft" or "published"
    version: int | None  # the published version number
    live: bool  # the version new calls run


@dataclass(frozen=True)
class StoreResult:
    prompt: Prompt
    stored: PromptVersion
    previous: dict[str, Any] | None  # the prompt's snapshot before


class PromptInUse(Conflict):
    error_id = "prompt-in-use"


def snapshot(prompt: Prompt) -> dict[str, Any]:
    """What the audit log keeps of a prompt."""
    return {
        "name": prompt.name,
        "category": prompt.category,
        "language": prompt.language,
        "version": prompt.version,
        "duration_s": round(prompt.duration_s, 3),
        "size_bytes": prompt.size_bytes,
        "sha256": prompt.sha256,
        "uploaded_by": prompt.uploaded_by,
    }


def version_summary(version: PromptVersion, current: bool) -> dict[str, Any]:
    return {
        "version": version.version,
        "language": version.language,
        "source": version.source,
        "source_format": version.source_format,
        "tts_text": version.tts_text,
        "duration_s": round(version.duration_s, 3),
        "size_bytes": version.size_bytes,
        "sha256": version.sha256,
        "uploaded_by": version.uploaded_by,
        "created_at": version.created_at.isoformat() if version.created_at else None,
        "current": current,
    }


def referenced_prompts(document: Any) -> set[str]:
    """Every NAME of a ``prompt:NAME`` string anywhere inside a flow document."""
    found: set[str] = set()
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if item.startswith("prompt:"):
                found.add(item[len("prompt:") :])
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


async def usages(tenant_id: int) -> dict[str, list[Usage]]:
    """Prompt name -> the tenant's flow drafts and published versions that play it.

    A flow names its own tenant's prompts only, so other tenants' flows are
    not looked at.
    """
    result: dict[str, list[Usage]] = {}
    flows = {flow.id: flow for flow in await scoped(Flow, tenant_id).order_by("name")}
    for flow in flows.values():
        for name in referenced_prompts(flow.draft):
            result.setdefault(name, []).append(Usage(flow.id, flow.name, "draft", None, False))
    for flow_version in await scoped(FlowVersion, tenant_id).order_by("flow_id", "version"):
        flow = flows[flow_version.flow_id]  # type: ignore[attr-defined]
        live = flow.published_version_id == flow_version.id
        for name in referenced_prompts(flow_version.definition):
            result.setdefault(name, []).append(
                Usage(flow.id, flow.name, "published", flow_version.version, live)
            )
    return result


def current_of(versions: list[PromptVersion]) -> dict[str, PromptVersion]:
    """Language -> the version that plays (the newest of that language)."""
    current: dict[str, PromptVersion] = {}
    for version in sorted(versions, key=lambda v: v.version):
        current[version.language] = version
    return current


async def _backfill(prompt: Prompt, files: PromptFiles) -> None:
    """A prompt stored before versions had a table: record its live audio as a version."""
    kept = files.kept(prompt.name, prompt.language, prompt.version)
    live = files.live(prompt.name, prompt.language)
    if live.is_file() and not kept.exists():
        os.link(live, kept)
    await PromptVersion.create(
        prompt=prompt,
        version=prompt.version,
        language=prompt.language,
        source="upload",
        source_format="wav",
        duration_s=prompt.duration_s,
        size_bytes=prompt.size_bytes,
        sha256=prompt.sha256,
        uploaded_by=prompt.uploaded_by,
    )


async def list_prompts(tenant_id: int) -> list[dict[str, Any]]:
    """The tenant's prompts with versions (newest first), current per language, used by."""
    used = await usages(tenant_id)
    by_prompt: dict[int, list[PromptVersion]] = {}
    for stored in await scoped(PromptVersion, tenant_id):
        by_prompt.setdefault(stored.prompt_id, []).append(stored)  # type: ignore[attr-defined]
    items = []
    for prompt in await scoped(Prompt, tenant_id):
        versions = by_prompt.get(prompt.id, [])
        if not versions:
            await _backfill(prompt, current_files())
            versions = await PromptVersion.filter(prompt=prompt).all()
        current = current_of(versions)
        items.append(
            {
                "prompt": prompt,
                "versions": sorted(versions, key=lambda v: -v.version),
                "current": {lang: current[lang] for lang in LANGUAGES if lang in current},
                "used_by": used.get(prompt.name, []),
            }
        )
    return items


def as_json(item: Mapping[str, Any]) -> dict[str, Any]:
    """One ``list_prompts`` item as the API shows it."""
    prompt: Prompt = item["prompt"]
    current_ids = {version.id for version in item["current"].values()}
    return {
        "id": prompt.id,
        "name": prompt.name,
        "category": prompt.category,
        "version": prompt.version,
        "languages": {
            language: version_summary(version, True)
            for language, version in item["current"].items()
        },
        "versions": [version_summary(v, v.id in current_ids) for v in item["versions"]],
        "used_by": [
            {
                "flow_id": usage.flow_id,
                "flow_name": usage.flow_name,
                "where": usage.where,
                "version": usage.version,
                "live": usage.live,
            }
            for usage in item["used_by"]
        ],
        "audio_url": f"/api/v1/prompts/{prompt.id}/audio",
    }


async def store(
    name: str,
    category: str,
    language: str,
    audio: ConvertedPrompt,
    *,
    source: str,
    uploaded_by: str,
    tenant_id: int,
    tts_text: str | None = None,
) -> StoreResult:
    """Store ``audio`` as the next version of ``name`` in ``language`` (new prompt if needed).

    A new prompt is ``tenant_id``'s; a name another tenant holds is refused
    (PromptRejected "name_unavailable") and nothing is written.
    """
    check_name(name)
    check_choice("category", category, CATEGORIES)
    check_choice("language", language, LANGUAGES)
    check_choice("source", source, SOURCES)
    files = current_files()
    async with _changes:
        existing = await _own_or_free(name, tenant_id)
        number = existing.version + 1 if existing else 1
        previous = snapshot(existing) if existing else None
        replaced = (
            await PromptVersion.filter(prompt=existing, language=language)
            .order_by("-version")
            .first()
            if existing
            else None
        )
        await asyncio.to_thread(files.write_version, name, language, number, audio)
        digest = sha256_of(audio.narrowband_wav)
        summary: dict[str, Any] = {
            "category": category,
            "language": language,
            "duration_s": audio.duration_s,
            "size_bytes": len(audio.narrowband_wav),
            "sha256": digest,
            "uploaded_by": uploaded_by,
            "version": number,
        }
        try:
            async with in_transaction():
                if existing is None:
                    prompt = await Prompt.create(name=name, tenant_id=tenant_id, **summary)
                else:
                    existing.update_from_dict(summary)
                    await existing.save()
                    prompt = existing
                stored = await PromptVersion.create(
                    prompt=prompt,
                    version=number,
                    language=language,
                    source=source,
                    source_format=audio.source_format,
                    tts_text=tts_text,
                    duration_s=audio.duration_s,
                    size_bytes=len(audio.narrowband_wav),
                    sha256=digest,
                    uploaded_by=uploaded_by,
                )
        except Exception:
            await asyncio.to_thread(
                files.undo_version, name, language, number, replaced.version if replaced else None
            )
            raise
    return StoreResult(prompt, stored, previous)


async def restore(name: str, version: int, uploaded_by: str, *, tenant_id: int) -> StoreResult:
    """Make an older version's audio the one that plays again.

    Versions are never changed once written, so the old audio is stored as
    the next version (source "restore") of its language: the history keeps
    what played when, and the version that was current stays available too.
    """
    prompt = await get_prompt(name, tenant_id=tenant_id)
    old = await PromptVersion.get_or_none(prompt=prompt, version=version)
    if old is None:
        raise NotFound(
            f"prompt {name!r} has no version {version}", {"name": name, "version": version}
        )
    files = current_files()
    narrowband = await asyncio.to_thread(files.read_kept, name, old.language, version)
    wideband = await asyncio.to_thread(files.read_kept, name, old.language, version, ".sln16")
    if narrowband is None or wideband is None:
        raise NotFound(
            f"the audio of version {version} of prompt {name!r} is missing",
            {"name": name, "version": version},
        )
    audio = ConvertedPrompt(
        narrowband_wav=narrowband,
        wideband_sln16=wideband,
        duration_s=old.duration_s,
        source_format=old.source_format,
        trimmed_s=0.0,
        gain_db=0.0,
    )
    return await store(
        name,
        prompt.category,
        old.language,
        audio,
        source="restore",
        uploaded_by=uploaded_by,
        tenant_id=tenant_id,
        tts_text=old.tts_text,
    )


def _check_fields(name: str, category: str, language: str) -> None:
    # Cheap checks first: a typo in the name must not cost a decode.
    check_name(name)
    check_choice("category", category, CATEGORIES)
    check_choice("language", language, LANGUAGES)


async def _own_or_free(name: str, tenant_id: int) -> Prompt | None:
    """The tenant's prompt called ``name``, None if the name is free.

    Names are one namespace (one file per name and language), so a name
    another tenant holds is only "not available": neither whose it is nor
    that it is a prompt at all is said.
    """
    existing = await Prompt.get_or_none(name=name)
    if existing is not None and existing.tenant_id != tenant_id:
        raise PromptRejected(
            "name_unavailable", f"prompt name {name!r} is not available", "name", name=name
        )
    return existing


async def upload(
    name: str,
    category: str,
    language: str,
    data: bytes,
    filename: str,
    uploaded_by: str,
    *,
    tenant_id: int,
    source: str = "upload",
) -> StoreResult:
    """Convert an uploaded file and store it; PromptRejected (nothing stored) says why not."""
    _check_fields(name, category, language)
    check_choice("source", source, SOURCES)
    await _own_or_free(name, tenant_id)  # before the decode; store checks again
    audio = await asyncio.to_thread(convert.convert_upload, data, filename)
    return await store(
        name,
        category,
        language,
        audio,
        source=source,
        uploaded_by=uploaded_by,
        tenant_id=tenant_id,
    )


async def tts_draft(
    name: str, category: str, language: str, text: str, uploaded_by: str, *, tenant_id: int
) -> StoreResult:
    """A text-to-speech draft stored as the next version of ``name`` in ``language``."""
    _check_fields(name, category, language)
    cleaned = tts.check_text(text)
    await _own_or_free(name, tenant_id)  # before synthesis; store checks again
    audio = await asyncio.to_thread(tts.synthesise, cleaned, language)
    return await store(
        name,
        category,
        language,
        audio,
        source="tts",
        uploaded_by=uploaded_by,
        tenant_id=tenant_id,
        tts_text=cleaned,
    )


async def get_prompt(name: str, *, tenant_id: int) -> Prompt:
    """The tenant's prompt ``name``; another tenant's is as missing as none."""
    prompt = (
        await scoped(Prompt, tenant_id).get_or_none(name=name)
        if NAME_PATTERN.fullmatch(name)
        else None
    )
    if prompt is None:
        raise NotFound(f"no prompt {name!r}", {"name": name})
    return prompt


async def get_prompt_by_id(prompt_id: int, *, tenant_id: int) -> Prompt:
    """The tenant's prompt ``prompt_id``; another tenant's is as missing as none."""
    prompt = await scoped(Prompt, tenant_id).get_or_none(id=prompt_id)
    if prompt is None:
        raise NotFound(f"no prompt {prompt_id}", {"id": prompt_id})
    return prompt


async def audio(prompt: Prompt, language: str | None = None, version: int | None = None) -> bytes:
    """The 8 kHz WAV of a version, or of the current audio of a language.

    Without a language: English if the prompt has it, else its newest language.
    """
    versions = await PromptVersion.filter(prompt=prompt).all()
    if not versions:
        await _backfill(prompt, current_files())
        versions = await PromptVersion.filter(prompt=prompt).all()
    if version is not None:
        chosen = next((v for v in versions if v.version == version), None)
    else:
        current = current_of(versions)
        if language is None:
            language = "en" if "en" in current else prompt.language
        chosen = current.get(language)
    if chosen is None:
        raise NotFound(
            f"prompt {prompt.name!r} has no such audio",
            {"name": prompt.name, "language": language, "version": version},
        )
    data = await asyncio.to_thread(
        current_files().read_kept, prompt.name, chosen.language, chosen.version
    )
    if data is None:
        raise NotFound(
            f"the audio file of prompt {prompt.name!r} is missing", {"name": prompt.name}
        )
    return data


async def delete(name: str, *, tenant_id: int) -> tuple[dict[str, Any], list[str]]:
    """Delete the tenant's prompt no live flow version plays; its snapshot and removed files."""
    async with _changes:
        prompt = await get_prompt(name, tenant_id=tenant_id)
        live_flows = sorted(
            {usage.flow_name for usage in (await usages(tenant_id)).get(name, []) if usage.live}
        )
        if live_flows:
            raise PromptInUse(
                f"prompt {name!r} is played by the published flow(s): " + ", ".join(live_flows),
                {"name": name, "flows": live_flows},
            )
        before = snapshot(prompt)
        # Explicitly: SQLite only cascades with its foreign_keys pragma on.
        await PromptVersion.filter(prompt=prompt).delete()
        await prompt.delete()
        removed = await asyncio.to_thread(current_files().remove, name)
    return before, removed


async def known_prompt_names(tenant_id: int) -> frozenset[str]:
    """The names a flow of ``tenant_id`` may reference as ``prompt:NAME`` (validation)."""
    names = await scoped(Prompt, tenant_id).values_list("name", flat=True)
    return frozenset(str(name) for name in names)
