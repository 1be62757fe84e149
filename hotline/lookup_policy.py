"""Where ``http_lookup`` nodes may connect: a tenant's host allow-list (pure).

A flow editor writes the look-up's URL, and Hotline's process makes the
request from inside the operator's network: without a list, anyone who may
edit a flow could read the admin UI on 127.0.0.1, a cloud metadata service
on 169.254.169.254, or any intranet host (server-side request forgery).  So
a look-up reaches only hosts on its tenant's list, checked twice:

* when a flow is validated (saving shows it, publishing and test calls are
  refused): the URL's literal host must be on the list;
* when the call runs (``lookup_http.py``): the host is resolved, and every
  address that is not globally routable (loopback, private, link-local,
  carrier-grade NAT, reserved, multicast) must be on the list too, as an
  address or a network.  So ``localhost`` or an intranet name listed by
  name still needs its address listed; a public name that later resolves
  into the private network is refused.

Entries (one per line or separated by spaces or commas, case-insensitive):
``crm.example.com`` (that host, any port), ``crm.example.com:8443``
(that port only), ``*.example.com`` (any host under example.com, not
example.com itself), ``203.0.113.7`` or ``[2001:db8::7]:8080`` (an
address), ``10.20.0.0/16`` (a network: addresses in it may be used by URL
and by a listed name's resolution).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

import yarl

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAME: Final = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9-]{1,63}$")
_SEPARATORS: Final = re.compile(r"[\s,]+")
MAX_ENTRY_CHARS: Final = 255


class BadEntry(ValueError):
    """An allow-list entry that is neither a host, an address nor a network."""

    def __init__(self, entry: str, reason: str) -> None:
        super().__init__(f"{entry!r}: {reason}")
        self.entry = entry
        self.reason = reason


@dataclass(frozen=True, slots=True)
class HostEntry:
    name: str  # without the "*." of a wildcard
    wildcard: bool = False
    port: int | None = None

    def matches(self, host: str, port: int | None) -> bool:
        if self.port is not None and port != self.port:
            return False
        if self.wildcard:
            return host.endswith("." + self.name)
        return host == self.name


@dataclass(frozen=True, slots=True)
class AddressEntry:
    address: IpAddress
    port: int | None = None


@dataclass(frozen=True, slots=True)
class HostAllowList:
    names: tuple[HostEntry, ...] = ()
    addresses: tuple[AddressEntry, ...] = ()
    networks: tuple[IpNetwork, ...] = ()
    entries: tuple[str, ...] = field(default=())  # as written, for messages

    def describe(self) -> str:
        return ", ".join(self.entries) if self.entries else "none"

    def url_refusal(self, url: str) -> str | None:
        """Why the look-up may not request ``url`` (its literal host), or None."""
        try:
            parsed = yarl.URL(url)
        except ValueError:
            return "the URL cannot be parsed"
        if parsed.scheme not in ("http", "https") or not parsed.host:
            return "the URL needs an http:// or https:// host"
        host, port = normal_host(parsed.host), parsed.port
        address = as_address(host)
        if address is not None:
            if self._covers(address, port):
                return None
            return f"address {host} is not on the allow-list (allowed: {self.describe()})"
        if any(entry.matches(host, port) for entry in self.names):
            return None
        where = host if parsed.explicit_port is None else f"{host}:{port}"
        return f"host {where} is not on the allow-list (allowed: {self.describe()})"

    def address_refusal(self, host: str, addresses: Iterable[IpAddress]) -> str | None:
        """Why the resolved ``addresses`` of ``host`` may not be used, or None."""
        for address in addresses:
            address = unmapped(address)
            if not is_public(address) and not self._covers(address, None):
                return (
                    f"host {host} resolves to the non-public address {address}, "
                    f"which is not on the allow-list (allowed: {self.describe()})"
                )
        return None

    def _covers(self, address: IpAddress, port: int | None) -> bool:
        for entry in self.addresses:
            if entry.address == address and (
                port is None or entry.port is None or entry.port == port
            ):
                return True
        return any(address in network for network in self.networks)


def normal_host(host: str) -> str:
    return host.lower().rstrip(".")


def unmapped(address: IpAddress) -> IpAddress:
    """An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is the IPv4 one."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def as_address(host: str) -> IpAddress | None:
    try:
        return unmapped(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def is_public(address: IpAddress) -> bool:
    address = unmapped(address)
    return address.is_global and not address.is_multicast


def split_entries(text: str) -> list[str]:
    return [entry for entry in _SEPARATORS.split(text.strip()) if entry]


def parse_entry(text: str) -> HostEntry | AddressEntry | IpNetwork:
    """One entry as typed (see the module docstring); BadEntry says why not."""
    entry = text.strip().lower().rstrip(".")
    if not entry or len(entry) > MAX_ENTRY_CHARS:
        raise BadEntry(text, "empty or too long")
    if "/" in entry:
        try:
            return ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise BadEntry(text, "not a network such as 10.0.0.0/8") from None
    host, port = _split_port(text, entry)
    address = as_address(host)
    if address is not None:
        return AddressEntry(address, port)
    if not _NAME.match(host):
        raise BadEntry(text, "not a host name, an address or a network")
    if host.startswith("*."):
        return HostEntry(host[2:], wildcard=True, port=port)
    return HostEntry(host, port=port)


def _split_port(text: str, entry: str) -> tuple[str, int | None]:
    if entry.startswith("["):  # [v6] or [v6]:port
        host, _, rest = entry[1:].partition("]")
        if rest and not rest.startswith(":"):
            raise BadEntry(text, "not an address such as [2001:db8::1]:8080")
        return host, _port(text, rest[1:]) if rest else None
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        return host, _port(text, port)
    return entry, None  # a name, an IPv4 address or a bare IPv6 address


def _port(text: str, port: str) -> int:
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise BadEntry(text, "the port must be 1 to 65535")
    return int(port)


def build(entries: Iterable[str]) -> HostAllowList:
    """The allow-list of ``entries``; BadEntry at the first bad one."""
    names: list[HostEntry] = []
    addresses: list[AddressEntry] = []
    networks: list[IpNetwork] = []
    kept: list[str] = []
    for text in entries:
        parsed = parse_entry(text)
        if isinstance(parsed, HostEntry):
            names.append(parsed)
        elif isinstance(parsed, AddressEntry):
            addresses.append(parsed)
        else:
            networks.append(parsed)
        kept.append(text.strip())
    return HostAllowList(tuple(names), tuple(addresses), tuple(networks), tuple(kept))
