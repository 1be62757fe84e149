"""Hotline on a real PostgreSQL: schema, seed, flow publishing, call records and the API.

A throwaway cluster is started for this module in a temp dir, listening on a
free 127.0.0.1 port, as the ``postgres`` OS user (Debian's ``postgresql``
package, installed by scripts/install-deps.sh).  Each test gets its own
database.  No Asterisk is needed.
"""

from __future__ import annotations

import copy
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from tortoise import connections
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.exceptions import IntegrityError

from admin_ui.app import create_app
from ari_apps import demo_data
from ari_apps.demo_call.phone import free_tcp_port
from ari_apps.ivr import services as flows
from ari_apps.ivr.demo import MAIN_MENU
from hotline import calls
from hotline.bus import EventBus
from hotline.center import Actor, HealthCheck
from hotline.db import close_db, init_db
from hotline.errors import FlowInvalid
from hotline.knowledge import services as knowledge_services
from hotline.models import (
    Agent,
    ApiToken,
    AuditEntry,
    Flow,
    FlowVersion,
    Queue,
    QueueMember,
    Tenant,
    WaitingCaller,
)
from hotline.models_campaigns import Campaign
from hotline.models_cases import Department
from hotline.models_webhook import WebhookSubscription
from hotline.row_checks import NOT_NULL, any_row
from hotline.seed import DEMO_TENANT
from hotline.settings import Settings, load_settings
from hotline.tenancy import home_tenant_id
from hotline.webhooks import store as webhook_store
from hotline.writer import WRITER, delete_statement, update_statement, upsert_statement

# No Asterisk: these run with the unit tests (make test's first part), all on
# one worker, so one throwaway cluster serves them.
pytestmark = pytest.mark.xdist_group("postgres")

POSTGRES_USER = "postgres"
POSTGRES_LIB = Path("/usr/lib/postgresql")
COMMAND_TIMEOUT_S = 60


def postgres_bin_dir() -> Path:
    """The newest installed server's bin dir; fails (not skips): CI installs the server."""
    versions = sorted(
        (int(entry.name), entry / "bin")
        for entry in POSTGRES_LIB.glob("*")
        if entry.name.isdigit() and (entry / "bin" / "initdb").is_file()
    )
    if not versions:
        pytest.fail(
            f"no PostgreSQL server binaries under {POSTGRES_LIB}/*/bin: "
            "install the Debian 'postgresql' package (scripts/install-deps.sh does)",
            pytrace=False,
        )
    return versions[-1][1]


def as_postgres() -> list[str]:
    """Command prefix that runs a program as the postgres OS user."""
    try:
        pwd.getpwnam(POSTGRES_USER)
    except KeyError:
        pytest.fail(f"no {POSTGRES_USER!r} OS user: is the postgresql package installed?")
    if pwd.getpwuid(os.geteuid()).pw_name == POSTGRES_USER:
        return []
    if os.geteuid() != 0:
        pytest.fail("running the PostgreSQL server needs root (runuser) or the postgres user")
    return ["runuser", "-u", POSTGRES_USER, "--"]


@dataclass(frozen=True)
class Cluster:
    bin_dir: Path
    root: Path
    port: int
    password: str

    @property
    def socket_dir(self) -> Path:
        return self.root

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str, scheme: str) -> str:
        return f"{scheme}://{POSTGRES_USER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def run(self, program: str, *args: str) -> None:
        command = [*as_postgres(), str(self.bin_dir / program), *args]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S, check=False
        )
        if done.returncode != 0:
            log = self.log_file.read_text() if self.log_file.exists() else "(no server log)"
            pytest.fail(
                f"{program} failed ({done.returncode}): {done.stderr.strip()}\n"
                f"server log:\n{log[-2000:]}",
                pytrace=False,
            )

    def create_database(self, name: str, template: str | None = None) -> None:
        # Over the unix socket in the temp dir, where initdb allowed local trust.
        copy_of = ["--template", template] if template else []
        self.run("createdb", "-h", str(self.socket_dir), "-p", str(self.port), *copy_of, name)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    bin_dir = postgres_bin_dir()
    prefix = as_postgres()
    root = Path(tempfile.mkdtemp(prefix="hotline-pg-"))  # mode 0700: private
    running = Cluster(bin_dir, root, free_tcp_port(), secrets.token_hex(16))
    started = False
    try:
        shutil.chown(root, user=POSTGRES_USER)
        password_file = root / "password"
        password_file.write_text(running.password + "\n")
        password_file.chmod(0o600)
        shutil.chown(password_file, user=POSTGRES_USER)
        running.run(
            "initdb",
            "--pgdata",
            str(running.data_dir),
            "--username",
            POSTGRES_USER,
            "--pwfile",
            str(password_file),
            # TCP (what Hotline uses) needs the password; the socket, for
            # createdb only, is trusted and lives in this private dir.
            "--auth-host",
            "scram-sha-256",
            "--auth-local",
            "trust",
            "--encoding",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )
        server_options = (
            f"-c listen_addresses=127.0.0.1 -c port={running.port}"
            f" -c unix_socket_directories={running.socket_dir} -c fsync=off"
        )
        started = True  # pg_ctl may leave a server up even when its wait times out
        running.run(
            "pg_ctl",
            "--pgdata",
            str(running.data_dir),
            "--log",
            str(running.log_file),
            "--options",
            server_options,
            "--wait",
            "--timeout",
            "30",
            "start",
        )
        yield running
    finally:
        if started:
            stop = [*prefix, str(bin_dir / "pg_ctl"), "--pgdata", str(running.data_dir)]
            done = subprocess.run(
                [*stop, "--mode", "fast", "--wait", "--timeout", "20", "stop"],
                capture_output=True,
                timeout=COMMAND_TIMEOUT_S,
                check=False,
            )
            if done.returncode != 0:
                subprocess.run(
                    [*stop, "--mode", "immediate", "--wait", "--timeout", "10", "stop"],
                    capture_output=True,
                    timeout=COMMAND_TIMEOUT_S,
                    check=False,
                )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module", autouse=True)
def files_stay_in_a_temp_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Code that reads its settings from the environment (the voicemail
    runtime the seed publishes lamps through) writes under a temp dir, not
    the repo's var/ nor the chroot: the real-call tests use those meanwhile."""
    scratch = tmp_path_factory.mktemp("pg-environment")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOTLINE_VAR_DIR", str(scratch))
        patch.setenv("HOTLINE_ASTERISK_ROOT", str(scratch / "asterisk"))
        yield


def _settings(var_dir: Path, database_url: str) -> Settings:
    # Asterisk's files (the demo fax TIFF) go under var_dir, never into the
    # sandbox chroot: these tests run with the unit tests, no Asterisk needed.
    return load_settings(
        {
            "HOTLINE_VAR_DIR": str(var_dir),
            "HOTLINE_ASTERISK_ROOT": str(var_dir / "asterisk"),
            # The spelling most users write; hotline.db turns it into Tortoise's "postgres://".
            "HOTLINE_DATABASE_URL": database_url,
        }
    )


@dataclass(frozen=True)
class SeededTemplate:
    """A database migrated and seeded once per module, and its var dir (the
    secrets the seed used, the demo fax document)."""

    database: str
    var_dir: Path


@pytest.fixture(scope="module")
async def seeded_template(
    cluster: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> SeededTemplate:
    """Every migration on an empty PostgreSQL database, then the seed: about
    12 s, so once per module; each test gets a copy (CREATE DATABASE ...
    TEMPLATE), which PostgreSQL makes file by file."""
    template = SeededTemplate("hotline_seeded", tmp_path_factory.mktemp("pg-seeded"))
    cluster.create_database(template.database)
    settings = _settings(template.var_dir, cluster.url(template.database, scheme="postgresql"))
    with pytest.MonkeyPatch.context() as patch:
        # The sound catalogue of this machine is not what this file is about.
        patch.setattr(flows, "known_sounds", lambda: None)
        await init_db(settings.database_url)
        try:
            await demo_data.seed_demo(settings)
        finally:
            await close_db()  # a template must have no connections when copied
    return template


@pytest.fixture
def database_name(cluster: Cluster, seeded_template: SeededTemplate) -> str:
    name = f"hotline_{secrets.token_hex(4)}"
    cluster.create_database(name, template=seeded_template.database)
    return name


@pytest.fixture
async def database(
    cluster: Cluster,
    seeded_template: SeededTemplate,
    database_name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Settings]:
    """A fresh database per test, a copy of the migrated and seeded template,
    opened as every start opens it (pending migrations, guards)."""
    monkeypatch.setattr(flows, "known_sounds", lambda: None)
    # The template's secrets, so the settings match the seeded rows (the API token).
    shutil.copytree(seeded_template.var_dir, tmp_path, dirs_exist_ok=True)
    settings = _settings(tmp_path, cluster.url(database_name, scheme="postgresql"))
    await init_db(settings.database_url)
    try:
        yield settings
    finally:
        await close_db()


def relabelled(label: str) -> dict[str, Any]:
    draft = copy.deepcopy(MAIN_MENU)
    draft["nodes"]["greet"]["label"] = label
    return draft


async def test_given_postgres_when_restarted_and_seeded_again_then_demo_tenant_exists_once(
    database: Settings, cluster: Cluster, database_name: str
) -> None:
    # A restart: new connections (Tortoise's own URL spelling), a second
    # safe schema creation, and the seed that every start runs.
    await close_db()
    await init_db(cluster.url(database_name, scheme="postgres"))
    await demo_data.seed_demo(database)

    assert await Tenant.all().count() == 1
    # The main menu, the post-call survey, the case status line, the
    # self-service answers and the customer line, each once and published
    # once; the demo departments once too.
    assert await Flow.all().count() == 5
    assert await FlowVersion.all().count() == 5
    assert await Department.all().count() == 3
    queue = await Queue.get(name="support")
    assert queue.wrapup_s == 3
    agents = await Agent.all().order_by("extension")
    assert [agent.extension for agent in agents] == ["1001", "1002"]
    assert await QueueMember.filter(queue=queue).count() == 2
    assert await ApiToken.filter(role="administrator").count() == 1


async def test_given_postgres_when_searching_the_knowledge_base_then_the_demo_article_is_found(
    database: Settings,
) -> None:
    # The ranking is SQL of our own (hotline/knowledge/store.py): PostgreSQL's
    # placeholders and types, beside SQLite's in the unit tests.
    tenant = await home_tenant_id()
    for query in ("水费", "怎么交水费", "滞纳金", "逾"):
        hits = await knowledge_services.search(tenant, query)
        assert "自来水水费缴纳方式" in [hit.title for hit in hits], query
    assert await knowledge_services.search(tenant, "火箭发射") == []


async def test_given_postgres_when_publishing_a_draft_then_versions_read_back_unchanged(
    database: Settings,
) -> None:
    flow = await Flow.get(name="Main menu")
    v1_id = flow.published_version_id
    assert v1_id is not None

    saved = await flows.put_draft(
        flow.id, relabelled("Welcome to PostgreSQL"), tenant_id=await home_tenant_id()
    )
    published = await flows.publish(flow.id, "alice", tenant_id=await home_tenant_id())

    assert saved["issues"] == []
    assert published["version"] == 2
    # JSONB does not keep key order; the graphs must still be equal.
    assert await flows.published_definition(v1_id) == MAIN_MENU
    assert await flows.published_definition(published["version_id"]) == relabelled(
        "Welcome to PostgreSQL"
    )
    detail = await flows.get_flow(flow.id, tenant_id=await home_tenant_id())
    assert [(v["version"], v["published_by"], v["live"]) for v in detail["versions"]] == [
        (1, "seed", False),
        (2, "alice", True),
    ]
    assert (await flows.list_flows(await home_tenant_id()))[0]["published_version"] == 2


async def test_given_postgres_when_draft_names_unknown_queue_then_publish_is_refused(
    database: Settings,
) -> None:
    flow = await Flow.get(name="Main menu")
    draft = copy.deepcopy(MAIN_MENU)
    draft["nodes"]["support_queue"]["queue"] = "sales"
    await flows.put_draft(flow.id, draft, tenant_id=await home_tenant_id())

    with pytest.raises(FlowInvalid, match="support_queue"):
        await flows.publish(flow.id, "alice", tenant_id=await home_tenant_id())
    assert await FlowVersion.filter(flow_id=flow.id).count() == 1


async def test_given_postgres_when_recording_calls_then_timeline_and_recent_read_back(
    database: Settings,
) -> None:
    await calls.open_record("pg-1", did="8000", caller_id="555", tenant_id=1, flow_version_id=1)
    await calls.add_event("pg-1", "queued", queue="support", position=1)
    await calls.update_record("pg-1", answered_at=datetime.now(UTC), agent_extension="1001")
    await calls.close_record("pg-1", "answered")
    await calls.close_record("pg-1", "hangup")  # only the first disposition counts
    await calls.open_record("pg-2", did="8000", caller_id="556", tenant_id=1, flow_version_id=1)

    detail = await calls.call_detail("pg-1", tenant_id=1)
    assert [e["kind"] for e in detail["timeline"]] == ["entered", "queued", "ended", "ended"]
    assert detail["timeline"][1]["data"] == {"queue": "support", "position": 1}
    assert (detail["agent"], detail["disposition"]) == ("1001", "answered")
    started = datetime.fromisoformat(detail["started_at"])
    assert started.utcoffset() is not None  # timezone survives the round trip
    assert [c["call_id"] for c in await calls.recent_calls(10, tenant_id=1)] == ["pg-2", "pg-1"]


async def test_given_process_used_sqlite_before_when_switching_to_postgres_then_queries_work(
    database: Settings, cluster: Cluster, database_name: str
) -> None:
    # Tests (and any tool copying SQLite to PostgreSQL) use both backends in
    # one process; Tortoise must not reuse SQL compiled for the other one.
    await close_db()
    # As in a fresh process whose first database was SQLite: nothing compiled yet.
    EXECUTOR_CACHE.clear()
    # In memory: a file would only add a commit to disk per migration (~13 s).
    await init_db("sqlite://:memory:")
    await demo_data.seed_demo(database)
    await calls.open_record("lite", did="8000", caller_id="", tenant_id=1, flow_version_id=1)
    await close_db()
    await init_db(cluster.url(database_name, scheme="postgresql"))

    flow = await Flow.get(name="Main menu")
    await flows.put_draft(
        flow.id, relabelled("Back on PostgreSQL"), tenant_id=await home_tenant_id()
    )
    assert (await flows.publish(flow.id, "alice", tenant_id=await home_tenant_id()))["version"] == 2
    await calls.open_record("pg", did="8000", caller_id="", tenant_id=1, flow_version_id=1)
    await calls.close_record("pg", "abandoned")
    assert [c["call_id"] for c in await calls.recent_calls(10, tenant_id=1)] == ["pg"]


@dataclass
class IdleCenter:
    """A contact center with nothing going on; only health reads it here."""

    idle_bus: EventBus = field(default_factory=EventBus)

    @property
    def ari_connected(self) -> bool:
        return True

    @property
    def bus(self) -> EventBus:
        return self.idle_bus

    def asterisk_health(self) -> HealthCheck:
        return HealthCheck(True)

    def queue_names(self) -> list[str]:
        return []

    def queue_status(self, name: str) -> dict[str, Any] | None:
        return None

    def agent_statuses(self) -> list[dict[str, Any]]:
        return []

    def agent_status(self, extension: str) -> dict[str, Any] | None:
        return None

    def call_context(self, call_id: str) -> dict[str, Any] | None:
        return None

    async def agent_action(self, extension: str, action: str, reason: str | None) -> dict[str, Any]:
        raise AssertionError("not used")

    def live_calls(self) -> list[dict[str, Any]]:
        return []

    def ari_health(self) -> dict[str, float | None]:
        return {"reconnects": 0.0, "event_lag_s": None}

    def monitoring_sessions(self) -> list[dict[str, Any]]:
        return []

    async def start_monitoring(
        self, agent: str, supervisor: str, mode: str, actor: Actor
    ) -> dict[str, Any]:
        raise AssertionError("not used")

    async def change_monitoring(self, session_id: str, mode: str, actor: Actor) -> dict[str, Any]:
        raise AssertionError("not used")

    async def stop_monitoring(self, session_id: str, actor: Actor) -> dict[str, Any]:
        raise AssertionError("not used")

    def campaign_pacing(self, campaign_id: int) -> dict[str, Any] | None:
        return None

    async def preview_call(
        self, tenant_id: int, campaign_id: int, contact_id: int, agent: str, actor: Actor
    ) -> dict[str, Any]:
        raise AssertionError("not used")

    async def place_callback(
        self, tenant_id: int, callback_id: int, agent: str | None, actor: Actor
    ) -> dict[str, Any]:
        raise AssertionError("not used")

    async def call_back_now(
        self,
        tenant_id: int,
        number: str,
        agent: str,
        actor: Actor,
        *,
        call_id: str | None = None,
        queue: str | None = None,
    ) -> dict[str, Any]:
        raise AssertionError("not used")

    async def call_action(self, extension: str, action: str, target: str) -> dict[str, Any]:
        raise AssertionError("not used")

    async def fax_pdf(
        self,
        tenant_id: int,
        reference: str,
        title: str,
        pdf: bytes,
        number: str,
        call_id: str,
        actor: Actor,
    ) -> int:
        raise AssertionError("not used")

    async def force_release(self, agent: str, actor: Actor) -> dict[str, Any]:
        raise AssertionError("not used")

    async def reload_config(self) -> None:
        raise AssertionError("not used")

    async def start_test_call(
        self, extension: str, definition: dict[str, Any], *, tenant_id: int
    ) -> str:
        raise AssertionError("not used")


async def test_given_postgres_when_using_the_api_then_health_auth_and_publish_work(
    database: Settings,
) -> None:
    transport = httpx.ASGITransport(app=create_app(IdleCenter(), settings=database))
    headers = {"authorization": f"Bearer {database.api_token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://hotline.test") as client:
        health = await client.get("/healthz")
        assert health.json() == {
            "ok": True,
            "checks": {
                "asterisk": {"ok": True, "reason": None},
                "database": {"ok": True, "reason": None},
            },
        }

        assert (await client.get("/api/v1/flows")).status_code == 401
        flow_id = (await client.get("/api/v1/flows", headers=headers)).json()[0]["id"]
        put = await client.put(
            f"/api/v1/flows/{flow_id}/draft", headers=headers, json=relabelled("Via the API")
        )
        assert put.json()["issues"] == []
        published = await client.post(f"/api/v1/flows/{flow_id}/publish", headers=headers)
        assert published.status_code == 201
        assert published.json()["version"] == 2
        flow = (await client.get(f"/api/v1/flows/{flow_id}", headers=headers)).json()
        assert flow["draft"]["nodes"]["greet"]["label"] == "Via the API"
        assert [v["live"] for v in flow["versions"]] == [False, True]


async def test_given_postgres_when_acd_rows_are_written_as_sql_then_they_read_back(
    database: Settings,
) -> None:
    waiting = {"queue": "support", "priority": 2, "caller_id": "555", "joined_at": 1.5}
    WRITER.submit(
        upsert_statement(
            "waiting_caller", "call_id", "pg-w", {**waiting, "bridge_id": "b1"}, about="call:pg-w"
        )
    )
    WRITER.submit(
        upsert_statement(
            "waiting_caller", "call_id", "pg-w", {**waiting, "bridge_id": "b2"}, about="call:pg-w"
        )
    )
    WRITER.submit(
        update_statement(
            "agent", "extension", "1001", {"paused": True, "pause_reason": "lunch"}, about="agent:1"
        )
    )
    WRITER.submit(delete_statement("waiting_caller", "call_id", "gone", about="call:gone"))
    await WRITER.flush()

    rows = await WaitingCaller.all().values_list("call_id", "priority", "bridge_id")
    assert rows == [("pg-w", 2, "b2")]
    agent = await Agent.get(extension="1001")
    assert (agent.paused, agent.pause_reason) == (True, "lunch")


async def test_given_postgres_when_pollers_look_first_then_plain_sql_finds_the_rows(
    database: Settings,
) -> None:
    # hotline/row_checks.py: numbered placeholders, a boolean, IN and IS NOT NULL.
    assert not await any_row(Campaign, state=("running", "draft"), scheduled_start=NOT_NULL)
    assert not await any_row(WebhookSubscription, active=True)
    await Campaign.create(tenant_id=1, name="pg", state="draft", scheduled_start=datetime.now(UTC))
    assert await any_row(Campaign, state=("running", "draft"), scheduled_start=NOT_NULL)
    assert not await any_row(Campaign, state="running")
    tenant = await Tenant.get(name=DEMO_TENANT)
    await WebhookSubscription.create(
        tenant=tenant, name="crm", url="http://127.0.0.1:9/h", secret="s", kinds=["call.ended"]
    )
    assert await any_row(WebhookSubscription, active=True)
    assert await webhook_store.active_kinds() == {"call.ended"}


async def _audit_triggers() -> list[str]:
    _, rows = await connections.get("default").execute_query(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_entry'::regclass"
        " AND NOT tgisinternal ORDER BY tgname"
    )
    return [row["tgname"] for row in rows]


async def test_given_postgres_when_audit_entries_are_changed_in_bulk_or_by_sql_then_refused(
    database: Settings,
) -> None:
    await AuditEntry.create(username="alice", action="queue_updated", object_type="queue")
    await AuditEntry.create(username="bob", action="flow_published", object_type="flow")
    before = await AuditEntry.all().order_by("id").values()
    db = connections.get("default")

    with pytest.raises(IntegrityError, match="audit_entry is append-only: UPDATE refused"):
        await AuditEntry.filter(username="alice").update(action="nothing_happened")
    with pytest.raises(IntegrityError, match="audit_entry is append-only: DELETE refused"):
        await AuditEntry.all().delete()
    with pytest.raises(IntegrityError, match="audit_entry is append-only: UPDATE refused"):
        await db.execute_query("UPDATE audit_entry SET username = $1", ["mallory"])
    with pytest.raises(IntegrityError, match="audit_entry is append-only: DELETE refused"):
        await db.execute_query("DELETE FROM audit_entry WHERE id = $1", [before[0]["id"]])
    # TRUNCATE fires no row triggers; it has its own.
    with pytest.raises(IntegrityError, match="audit_entry is append-only: TRUNCATE refused"):
        await db.execute_script("TRUNCATE audit_entry")

    assert await AuditEntry.all().order_by("id").values() == before
    await AuditEntry.create(username="carol", action="login", object_type="user")
    assert await AuditEntry.all().count() == 3


async def test_given_postgres_database_made_before_the_guard_when_restarted_then_guarded_once(
    database: Settings, cluster: Cluster, database_name: str
) -> None:
    await AuditEntry.create(username="alice", action="login", object_type="user")
    # As a database from before the triggers existed.
    for name in await _audit_triggers():
        await connections.get("default").execute_script(f'DROP TRIGGER "{name}" ON audit_entry')
    await AuditEntry.all().update(action="edited_while_unguarded")

    for _ in range(2):  # every start installs them; the second changes nothing
        await close_db()
        await init_db(cluster.url(database_name, scheme="postgres"))
        assert await _audit_triggers() == [
            "audit_entry_append_only",
            "audit_entry_append_only_truncate",
        ]
        with pytest.raises(IntegrityError, match="append-only: DELETE refused"):
            await AuditEntry.all().delete()
    assert [entry.action for entry in await AuditEntry.all()] == ["edited_while_unguarded"]
