"""Make a migration after a model change, or check that none is missing.

    python -m hotline.migrations_cli make NAME          (make migration NAME=...)
    python -m hotline.migrations_cli make NAME --empty  (for RunPython by hand)
    python -m hotline.migrations_cli check              (exit 1 when one is missing)

``make`` compares the models (``hotline.models`` and ``hotline/models_*.py``)
with what the migrations in ``hotline/migrations/`` build and writes the
difference as the next numbered migration, formatted by ruff.  No database
is touched; ``init_db`` applies the new migration at the next start.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
from pathlib import Path

from tortoise import Tortoise
from tortoise.migrations.autodetector import MigrationAutodetector
from tortoise.migrations.writer import MigrationWriter, format_migration_name

from hotline.db import tortoise_config
from hotline.schema_migrations import (
    APP_LABEL,
    MIGRATIONS_MODULE,
    describe,
    indexes_left_unbuilt,
    model_changes,
    not_null_without_db_default,
)


async def _empty_migration(autodetector: MigrationAutodetector) -> MigrationWriter:
    await autodetector.loader.build_graph()
    leaves = list(autodetector.loader.graph.leaf_nodes(APP_LABEL))
    numbers = [
        int(match.group(1))
        for key in autodetector.loader.graph.nodes
        if key.app_label == APP_LABEL and (match := re.match(r"(\d+)_", key.name))
    ]
    return MigrationWriter(
        f"{max(numbers, default=0) + 1:04d}_empty",
        APP_LABEL,
        [],
        dependencies=sorted((key.app_label, key.name) for key in leaves),
        migrations_module=MIGRATIONS_MODULE,
    )


async def changes(*, empty: bool = False) -> list[MigrationWriter]:
    config = tortoise_config("sqlite://:memory:")
    await Tortoise.init(config=config)
    try:
        if empty:
            return [await _empty_migration(MigrationAutodetector(Tortoise.apps, config["apps"]))]
        return await model_changes(Tortoise.apps, config["apps"])
    finally:
        await Tortoise.close_connections()


def _ruff(path: Path) -> None:
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        print(f"  (no {ruff}: run ruff format and ruff check --fix on it)")
        return
    subprocess.run([str(ruff), "check", "--fix", "--select", "I", "-q", str(path)], check=True)
    subprocess.run([str(ruff), "format", "-q", str(path)], check=True)


def make(name: str, *, empty: bool = False) -> int:
    writers = asyncio.run(changes(empty=empty))
    if not writers:
        print("No model changes: nothing to write (--empty makes one for RunPython).")
        return 1
    for writer in writers:
        number = int(writer.name.split("_", 1)[0])
        writer.name = format_migration_name(number, name)
        path = writer.write()
        _ruff(path)
        print(f"Created {path}")
        for line in describe([writer]):
            print(f"  {line}")
        for line in not_null_without_db_default(writer.operations):
            print(
                f"  WARNING: {line}: NOT NULL without db_default fails on a table with rows;"
                " give the field db_default= (or null=True) and make the migration again"
            )
        for line in indexes_left_unbuilt(writer.operations):
            print(
                f"  WARNING: {line}; end the migration with CreateFieldIndexes or AddIndexes"
                " (hotline/schema_migrations.py) for them"
            )
    return 0


def check() -> int:
    lines = describe(asyncio.run(changes()))
    if lines:
        print("Models changed without a migration (make migration NAME=...):")
        for line in lines:
            print(f"  {line}")
        return 1
    print("Models and migrations agree.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hotline.migrations_cli")
    commands = parser.add_subparsers(dest="command", required=True)
    make_parser = commands.add_parser("make", help="write the next migration")
    make_parser.add_argument("name", help="what it does, e.g. add_token_expiry")
    make_parser.add_argument("--empty", action="store_true", help="no operations")
    commands.add_parser("check", help="exit 1 when the models changed without a migration")
    args = parser.parse_args(argv)
    if args.command == "make":
        return make(args.name, empty=args.empty)
    return check()


if __name__ == "__main__":
    sys.exit(main())
