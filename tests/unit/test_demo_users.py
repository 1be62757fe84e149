"""The demo's people (issue 14's contract): agent1001, agent1002 and supervisor."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher

from ari_apps import demo_data
from hotline import seed
from hotline.accounts.principal import load_principal
from hotline.db import close_db, init_db
from hotline.models import User
from hotline.passwords import verify_password
from hotline.settings import ensure_secrets, load_settings


@pytest.fixture
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        seed, "PasswordHasher", lambda: PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


async def test_given_a_first_start_then_the_demo_users_exist_with_their_extensions_and_roles(
    tmp_path: Path, cheap_hashes: None
) -> None:
    secrets = ensure_secrets(tmp_path / "run" / "hotline.env")
    assert secrets["HOTLINE_DEMO_USER_PASSWORD"]
    settings = load_settings(
        {
            "HOTLINE_VAR_DIR": str(tmp_path),
            "HOTLINE_ASTERISK_ROOT": str(tmp_path / "asterisk"),
            **secrets,
        }
    )
    await init_db("sqlite://:memory:")
    try:
        await demo_data.seed_demo(settings)
        for username, extension, role in (
            ("agent1001", "1001", "agent"),
            ("agent1002", "1002", "agent"),
            ("supervisor", "1009", "supervisor"),
        ):
            user = await User.get(username=username)
            assert user.phone_extension == extension
            assert verify_password(user.password_hash, settings.demo_user_password)
            principal = await load_principal(user.id)
            assert principal is not None and role in principal.roles
        agent = await load_principal((await User.get(username="agent1001")).id)
        assert agent is not None and agent.can("wallboard:view") and not agent.can("users:view")
        # A second start keeps a password the user changed.
        changed = await User.get(username="supervisor")
        changed.password_hash = seed.demo_secret_hash("a new password of theirs")
        await changed.save()
        await demo_data.seed_demo(settings)
        again = await User.get(username="supervisor")
        assert verify_password(again.password_hash, "a new password of theirs")
    finally:
        await close_db()
