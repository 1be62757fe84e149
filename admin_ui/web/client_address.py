"""Who the client is: the TCP peer, or behind trusted proxies what they say.

X-Forwarded-For is a list anyone can start: a client may send the header
with any addresses in it, and each proxy only appends the address it was
connected from.  So the header counts only when the peer is one of our
proxies (``HOTLINE_TRUSTED_PROXIES``), and then only from the right: the
right-most hop that is not one of our proxies is the client as our
outermost proxy saw it.  Everything to its left is the client's own word.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def trusted_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def parse_address(text: str) -> Address | None:
    """An IP from a peer or an X-Forwarded-For hop (ports and brackets dropped)."""
    text = text.strip()
    if text.startswith("["):  # [2001:db8::1]:443
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: Address | None, trusted: Sequence[Network]) -> bool:
    return address is not None and any(address in network for network in trusted)


def client_address(peer: str, forwarded_for: Sequence[str], trusted: Sequence[Network]) -> str:
    """The client's IP: the TCP peer, or behind trusted proxies the first untrusted hop.

    ``forwarded_for`` holds the X-Forwarded-For header lines in order.  Each
    proxy appends the address it was connected from, so reading from the
    right, the first hop that is not one of our proxies is the client as our
    outermost proxy saw it.  When every hop is a proxy, the left-most is.
    """
    if not trusted or not _is_trusted(parse_address(peer), trusted):
        return peer
    hops = [hop.strip() for line in forwarded_for for hop in line.split(",")]
    client = peer
    for hop in reversed([hop for hop in hops if hop]):
        address = parse_address(hop)
        if address is None:
            # Written by our own proxy, so not the client's forgery; not an
            # IP either, so no allow-list will match it.
            return hop[:64]
        client = str(address)
        if not _is_trusted(address, trusted):
            break
    return client
