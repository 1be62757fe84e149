"""Hotline settings: environment variables over generated secrets over defaults.

Secrets (ARI/AMI passwords, the demo API token, the demo SIP password) are
generated on first start into ``var/run/secrets.env`` and never committed.
Every network listener binds to loopback unless a setting says otherwise.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hotline import dial_policy

REPO_ROOT = Path(__file__).resolve().parent.parent
# The sandbox chroot asterisk/sandbox.sh builds (its HOTLINE_ASTERISK_CACHE).
SANDBOX_ROOT_DEFAULT: Final = "/var/cache/hotline/asterisk-sid"

GENERATED_SECRETS = (
    "HOTLINE_ARI_PASSWORD",
    "HOTLINE_AMI_SECRET",
    "HOTLINE_ADMIN_PASSWORD",
    "HOTLINE_API_TOKEN",
    "HOTLINE_DEMO_SIP_PASSWORD",
    "HOTLINE_SESSION_SECRET",
    "HOTLINE_DEMO_VM_PIN",
    # The demo users' shared password (agent1001, agent1002, supervisor).
    "HOTLINE_DEMO_USER_PASSWORD",
    # What Hotline shows the SMS gateway (the sandbox's simulator checks it).
    "HOTLINE_SMS_GATEWAY_TOKEN",
)
# Secrets a phone keypad must be able to enter.
NUMERIC_SECRETS = frozenset({"HOTLINE_DEMO_VM_PIN"})


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def write_env_file(path: Path, values: dict[str, str]) -> None:
    """Write a shell-sourceable KEY=value file atomically, readable by root only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    body = "".join(f"{key}={_shell_quote(value)}\n" for key, value in values.items())
    tmp.write_text(body, encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)


def _shell_quote(value: str) -> str:
    if value and all(ch.isalnum() or ch in "@%+=:,./-_" for ch in value):
        return value
    return "'" + value.replace("'", "'\"'\"'") + "'"


def ensure_secrets(path: Path) -> dict[str, str]:
    """Load the generated secrets, creating any that are missing."""
    existing = read_env_file(path)
    changed = False
    for key in GENERATED_SECRETS:
        if not existing.get(key):
            # token_hex keeps them shell- and Asterisk-config-safe.
            existing[key] = (
                f"{secrets.randbelow(10**6):06d}"
                if key in NUMERIC_SECRETS
                else secrets.token_hex(16)
            )
            changed = True
    if changed:
        write_env_file(path, existing)
    return existing


# Flow variables the agent desk shows masked unless HOTLINE_SCREEN_POP_MASKED says otherwise.
DEFAULT_SCREEN_POP_MASKED: Final[tuple[str, ...]] = (
    "id_number",
    "id_card",
    "card_number",
    "bank_account",
)


@dataclass(frozen=True)
class Settings:
    var_dir: Path
    database_url: str
    asterisk_mode: str  # "sandbox" or "system"
    asterisk_root: str  # chroot dir for the sandbox; "" for a system Asterisk
    asterisk_etc: Path  # where rendered config is written
    ari_app: str
    ari_bind: str
    ari_port: int
    ari_user: str
    ari_password: str
    ami_bind: str
    ami_port: int
    ami_user: str
    ami_secret: str
    sip_bind: str
    sip_port: int
    rtp_start: int
    rtp_end: int
    agi_host: str
    agi_port: int
    web_host: str
    web_port: int
    admin_user: str
    admin_password: str
    api_token: str
    demo_sip_password: str
    session_secret: str
    web_https: bool
    # Outgoing mail (voicemail and fax notifications); an empty host disables it.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_sender: str = "hotline@localhost"
    smtp_starttls: bool = False
    demo_vm_pin: str = ""  # PIN of the demo voicemail boxes (5000, 1001, 1002)
    demo_user_password: str = ""  # agent1001, agent1002 and supervisor
    # Reverse proxies whose X-Forwarded-For is believed (IPs or CIDRs).  Empty:
    # the header is ignored and the TCP peer is the client, whatever it says.
    trusted_proxies: tuple[str, ...] = ()
    # Toll-fraud rules for calls placed for a PSTN caller (voicemail call-back,
    # fax-back): regular expressions separated by spaces; see hotline/dial_policy.py.
    dial_allow: str = dial_policy.DEFAULT_ALLOW
    dial_refuse: str = dial_policy.DEFAULT_REFUSE
    fax_back_per_caller_day: int = 3
    fax_back_per_number_day: int = 5
    callback_per_caller_day: int = 10
    callback_per_number_day: int = 3
    # Hosts added to the demo tenant's http_lookup allow-list at every start.
    lookup_allowed_hosts: str = ""
    # Days the seeded HOTLINE_API_TOKEN stays valid after it was first seeded (0: no expiry).
    api_token_ttl_days: int = 0
    # The site's time zone (IANA): figures' intervals and "today" follow its
    # clock (METRICS.md); times are stored in UTC.
    site_timezone: str = "UTC"
    # The agent desk's screen pop (hotline/desk.py): a link into the business
    # system ({caller_id}, {dialed_number}, {call_id} or any flow variable),
    # and the flow variables shown masked (all but their last 4 characters).
    screen_pop_url: str = ""
    screen_pop_masked: tuple[str, ...] = DEFAULT_SCREEN_POP_MASKED
    # Where the desk's browser phone reaches Asterisk's SIP websocket
    # (res_pjsip_transport_websocket on Asterisk's HTTP server, path /ws).
    # Empty: beside ARI on the same HTTP server.  Behind a TLS proxy: wss://.
    webrtc_ws_url: str = ""
    # Lines all outbound campaigns together may hold at once: the trunk's
    # share left to them, so inbound callers always find a free line.
    outbound_max_lines: int = 20
    # SMS to citizens (hotline/cases/messages.py): an HTTP gateway that takes
    # {"to", "text", "reference"} as JSON with this bearer token.  Empty: the
    # sandbox's own simulator (/sms-simulator) in sandbox mode, else no SMS.
    sms_gateway_url: str = ""
    sms_gateway_token: str = ""

    @property
    def ari_url(self) -> str:
        host = "127.0.0.1" if self.ari_bind in ("0.0.0.0", "") else self.ari_bind
        return f"http://{host}:{self.ari_port}"

    @property
    def sms_url(self) -> str:
        """Where SMS go; "" when there is no gateway (no SMS is sent)."""
        if self.sms_gateway_url:
            return self.sms_gateway_url
        if self.asterisk_mode == "sandbox":
            return self.web_url + "/sms-simulator/messages"
        return ""

    @property
    def browser_phone_ws_url(self) -> str:
        if self.webrtc_ws_url:
            return self.webrtc_ws_url
        return "ws" + self.ari_url.removeprefix("http") + "/ws"

    @property
    def web_url(self) -> str:
        host = "127.0.0.1" if self.web_host in ("0.0.0.0", "") else self.web_host
        return f"http://{host}:{self.web_port}"

    @property
    def sip_host(self) -> str:
        return "127.0.0.1" if self.sip_bind in ("0.0.0.0", "") else self.sip_bind

    @property
    def run_dir(self) -> Path:
        return self.var_dir / "run"


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if environ is None else environ)
    var_dir = Path(env.get("HOTLINE_VAR_DIR", str(REPO_ROOT / "var")))
    generated = ensure_secrets(var_dir / "run" / "secrets.env")

    def get(key: str, default: str) -> str:
        return env.get(key) or generated.get(key) or default

    mode = get("HOTLINE_ASTERISK", "sandbox")
    if mode not in ("sandbox", "system"):
        raise ValueError(f"HOTLINE_ASTERISK must be 'sandbox' or 'system', not {mode!r}")
    root = get("HOTLINE_ASTERISK_ROOT", SANDBOX_ROOT_DEFAULT) if mode == "sandbox" else ""
    # A system Asterisk's /etc/asterisk belongs to its admins: we render into
    # our own directory and the README says which files to #include.
    etc_default = f"{root}/etc/asterisk" if root else str(var_dir / "asterisk-etc")
    return Settings(
        var_dir=var_dir,
        database_url=get("HOTLINE_DATABASE_URL", f"sqlite://{var_dir / 'hotline.sqlite3'}"),
        asterisk_mode=mode,
        asterisk_root=root,
        asterisk_etc=Path(get("HOTLINE_ASTERISK_ETC", etc_default)),
        ari_app=get("HOTLINE_ARI_APP", "hotline"),
        ari_bind=get("HOTLINE_ARI_BIND", "127.0.0.1"),
        ari_port=int(get("HOTLINE_ARI_PORT", "8088")),
        ari_user=get("HOTLINE_ARI_USER", "hotline"),
        ari_password=get("HOTLINE_ARI_PASSWORD", ""),
        ami_bind=get("HOTLINE_AMI_BIND", "127.0.0.1"),
        ami_port=int(get("HOTLINE_AMI_PORT", "5038")),
        ami_user=get("HOTLINE_AMI_USER", "hotline"),
        ami_secret=get("HOTLINE_AMI_SECRET", ""),
        sip_bind=get("HOTLINE_SIP_BIND", "127.0.0.1"),
        sip_port=int(get("HOTLINE_SIP_PORT", "5060")),
        rtp_start=int(get("HOTLINE_RTP_START", "10000")),
        rtp_end=int(get("HOTLINE_RTP_END", "20000")),
        agi_host=get("HOTLINE_AGI_HOST", "127.0.0.1"),
        agi_port=int(get("HOTLINE_AGI_PORT", "4573")),
        web_host=get("HOTLINE_WEB_HOST", "127.0.0.1"),
        web_port=int(get("HOTLINE_WEB_PORT", "8080")),
        admin_user=get("HOTLINE_ADMIN_USER", "admin"),
        admin_password=get("HOTLINE_ADMIN_PASSWORD", ""),
        api_token=get("HOTLINE_API_TOKEN", ""),
        demo_sip_password=get("HOTLINE_DEMO_SIP_PASSWORD", ""),
        demo_vm_pin=get("HOTLINE_DEMO_VM_PIN", ""),
        demo_user_password=get("HOTLINE_DEMO_USER_PASSWORD", ""),
        session_secret=get("HOTLINE_SESSION_SECRET", ""),
        # Behind a TLS-terminating proxy: mark the session cookie Secure.
        web_https=get("HOTLINE_WEB_HTTPS", "no").lower() in ("1", "yes", "true"),
        smtp_host=get("HOTLINE_SMTP_HOST", ""),
        smtp_port=int(get("HOTLINE_SMTP_PORT", "25")),
        smtp_user=get("HOTLINE_SMTP_USER", ""),
        smtp_password=get("HOTLINE_SMTP_PASSWORD", ""),
        smtp_sender=get("HOTLINE_SMTP_SENDER", "hotline@localhost"),
        smtp_starttls=get("HOTLINE_SMTP_STARTTLS", "no").lower() in ("1", "yes", "true"),
        trusted_proxies=parse_trusted_proxies(get("HOTLINE_TRUSTED_PROXIES", "")),
        dial_allow=_dial_patterns(get, "HOTLINE_DIAL_ALLOW", dial_policy.DEFAULT_ALLOW),
        dial_refuse=_dial_patterns(get, "HOTLINE_DIAL_REFUSE", dial_policy.DEFAULT_REFUSE),
        fax_back_per_caller_day=int(get("HOTLINE_FAX_BACK_PER_CALLER_DAY", "3")),
        fax_back_per_number_day=int(get("HOTLINE_FAX_BACK_PER_NUMBER_DAY", "5")),
        callback_per_caller_day=int(get("HOTLINE_CALLBACK_PER_CALLER_DAY", "10")),
        callback_per_number_day=int(get("HOTLINE_CALLBACK_PER_NUMBER_DAY", "3")),
        lookup_allowed_hosts=get("HOTLINE_LOOKUP_ALLOWED_HOSTS", ""),
        api_token_ttl_days=_non_negative(get, "HOTLINE_API_TOKEN_TTL_DAYS", "0"),
        site_timezone=_time_zone(get("HOTLINE_TIMEZONE", "UTC")),
        screen_pop_url=_screen_pop_url(get("HOTLINE_SCREEN_POP_URL", "")),
        webrtc_ws_url=_websocket_url(get("HOTLINE_WEBRTC_WS_URL", "")),
        outbound_max_lines=_non_negative(get, "HOTLINE_OUTBOUND_MAX_LINES", "20"),
        sms_gateway_url=get("HOTLINE_SMS_GATEWAY_URL", ""),
        sms_gateway_token=get("HOTLINE_SMS_GATEWAY_TOKEN", ""),
        screen_pop_masked=tuple(
            name.strip()
            for name in get("HOTLINE_SCREEN_POP_MASKED", ",".join(DEFAULT_SCREEN_POP_MASKED)).split(
                ","
            )
            if name.strip()
        ),
    )


def _websocket_url(url: str) -> str:
    if url and not url.startswith(("ws://", "wss://")):
        raise ValueError(f"HOTLINE_WEBRTC_WS_URL must start with ws:// or wss://, not {url!r}")
    return url


def _screen_pop_url(template: str) -> str:
    """Only a web address: a ``javascript:`` link would run in the desk's page."""
    if template and not template.lower().startswith(("http://", "https://")):
        raise ValueError(
            f"HOTLINE_SCREEN_POP_URL must start with http:// or https://: {template!r}"
        )
    return template


def _time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"HOTLINE_TIMEZONE: {name!r} is not an IANA time zone") from None
    return name


def _non_negative(get: Callable[[str, str], str], name: str, default: str) -> int:
    value = get(name, default)
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise ValueError(f"{name}: {value!r} is not a whole number of 0 or more")
    return number


def _dial_patterns(get: Callable[[str, str], str], name: str, default: str) -> str:
    """Dial patterns; one that does not compile stops the start (dial_policy
    would refuse every number with it, which is safe but puzzling)."""
    value = get(name, default)
    bad = dial_policy.bad_patterns(value)
    if bad:
        raise ValueError(f"{name}: {bad[0]!r} is not a regular expression")
    return value


def parse_trusted_proxies(value: str) -> tuple[str, ...]:
    """``10.0.0.5, 192.168.0.0/24`` -> normalised networks; a typo stops the start.

    A mistyped proxy address must not fail open (headers believed from
    anyone) or silently closed (every user seen as the proxy): refuse it.
    """
    networks: list[str] = []
    for entry in value.split(","):
        entry = entry.strip()
        if not entry:
            continue
        try:
            networks.append(str(ipaddress.ip_network(entry, strict=False)))
        except ValueError as exc:
            raise ValueError(
                f"HOTLINE_TRUSTED_PROXIES: {entry!r} is not an IP address or CIDR network"
            ) from exc
    return tuple(networks)


def contract_env(settings: Settings, hotline_pid: int | None) -> dict[str, str]:
    """The KEY=value contract written to var/run/hotline.env (see README)."""
    return {
        "HOTLINE_WEB_URL": settings.web_url,
        "HOTLINE_ARI_URL": settings.ari_url,
        "HOTLINE_ARI_USER": settings.ari_user,
        "HOTLINE_ARI_PASSWORD": settings.ari_password,
        "HOTLINE_ARI_APP": settings.ari_app,
        "HOTLINE_AMI_HOST": "127.0.0.1" if settings.ami_bind == "0.0.0.0" else settings.ami_bind,
        "HOTLINE_AMI_PORT": str(settings.ami_port),
        "HOTLINE_AMI_USER": settings.ami_user,
        "HOTLINE_AMI_SECRET": settings.ami_secret,
        "HOTLINE_SIP_HOST": settings.sip_host,
        "HOTLINE_SIP_PORT": str(settings.sip_port),
        "HOTLINE_ASTERISK_ROOT": settings.asterisk_root,
        "HOTLINE_PID": "" if hotline_pid is None else str(hotline_pid),
        "HOTLINE_ADMIN_USER": settings.admin_user,
        "HOTLINE_ADMIN_PASSWORD": settings.admin_password,
        "HOTLINE_API_TOKEN": settings.api_token,
        "HOTLINE_DEMO_SIP_PASSWORD": settings.demo_sip_password,
        "HOTLINE_DEMO_VM_PIN": settings.demo_vm_pin,
        "HOTLINE_DEMO_USER_PASSWORD": settings.demo_user_password,
    }
