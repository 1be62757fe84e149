"""Database start-up: SQLite by default, PostgreSQL when HOTLINE_DATABASE_URL says so."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.models import Model

from hotline.append_only import install_guards
from hotline.private_files import make_private
from hotline.schema_migrations import apply_migrations, apps_config
from hotline.writer import WRITER


def normalise_url(url: str) -> str:
    # Tortoise names the asyncpg backend "postgres"; accept the usual spellings.
    for prefix in ("postgresql://", "postgresql+asyncpg://"):
        if url.startswith(prefix):
            return "postgres://" + url[len(prefix) :]
    return url


def model_modules() -> list[str]:
    """hotline.models plus every hotline/models_<feature>.py that defines models.

    One module per feature keeps features from editing the same file; an
    empty one is skipped (Tortoise warns about modules without models).
    """
    found = ["hotline.models"]
    for path in sorted(Path(__file__).parent.glob("models_*.py")):
        name = f"hotline.{path.stem}"
        module = importlib.import_module(name)
        if any(
            isinstance(value, type) and issubclass(value, Model) and value.__module__ == name
            for value in vars(module).values()
        ):
            found.append(name)
    return found


def sqlite_file(url: str) -> Path | None:
    """The database file of an SQLite URL (its pragmas left off), else None."""
    if not url.startswith("sqlite://") or url == "sqlite://:memory:":
        return None
    return Path(url[len("sqlite://") :].partition("?")[0])


def tortoise_config(url: str) -> dict[str, Any]:
    """Tortoise's config: the default connection at ``url`` and the one app, "models"."""
    return {"connections": {"default": normalise_url(url)}, "apps": apps_config(model_modules())}


async def init_db(url: str) -> None:
    url = normalise_url(url)
    database = sqlite_file(url)
    if database is not None:
        database.parent.mkdir(parents=True, exist_ok=True)
    # Tortoise caches each model's compiled INSERT/DELETE SQL process-wide,
    # keyed by connection name and table but not by backend: a process that
    # used SQLite before (tests, a future copy-to-PostgreSQL tool) would send
    # SQLite's "?" placeholders to PostgreSQL.  Start every init clean.
    EXECUTOR_CACHE.clear()
    config = tortoise_config(url)
    await Tortoise.init(config=config)
    try:
        # Forward only; adopts a database generate_schemas made before
        # migrations existed (see hotline/schema_migrations.py).
        await apply_migrations(config["apps"])
    except BaseException:
        # Else SQLite's connection thread keeps the process from exiting.
        await Tortoise.close_connections()
        raise
    # Every start, so databases made before the guards exist get them too.
    await install_guards()
    if database is not None:
        # It holds SIP passwords in clear.  SQLite gives its -wal and -shm
        # files the database file's own mode.
        for path in (database, database.with_name(database.name + "-wal")):
            make_private(path)


async def close_db() -> None:
    # Commit what the background writer still holds before the pool goes.
    await WRITER.stop()
    await Tortoise.close_connections()
