"""What a SIP phone really receives: its RTP stream, captured off the loopback
interface and decoded.

Some audio never passes any point Asterisk can record.  A snoop's whisper is
mixed into what a channel sends *after* every spy on that channel has seen
the frame (Asterisk's audiohooks run spies before whisperers), so a test
snoop on the agent's channel cannot hear the supervisor's whisper, while the
agent's phone does.  baresip 1.0 cannot play to a file, so the test listens
on the wire instead: the G.711 mu-law packets Asterisk sends to the phone's
RTP port (``CHANNEL(rtp,dest)``), read with a raw packet socket (root).
"""

from __future__ import annotations

import asyncio
import select
import socket
import struct
import time

from tests.integration.audio import Audio

_ETH_P_ALL = 0x0003
_ETHERNET_HEADER = 14
_RTP_HEADER = 12
_PCMU = 0


def _ulaw_to_linear(byte: int) -> int:
    """G.711 mu-law to a 16-bit sample (ITU-T G.711, the expanding rule)."""
    byte = ~byte & 0xFF
    sign = byte & 0x80
    exponent = (byte >> 4) & 0x07
    mantissa = byte & 0x0F
    magnitude = ((mantissa << 3) + 0x84) << exponent
    sample = magnitude - 0x84
    return -sample if sign else sample


_ULAW = tuple(_ulaw_to_linear(b) for b in range(256))


def _payload_to(packet: bytes, port: int) -> bytes | None:
    """The RTP payload of an IPv4/UDP packet to ``port`` carrying PCMU, else None."""
    ip = packet[_ETHERNET_HEADER:]
    if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != socket.IPPROTO_UDP:
        return None
    ip_header = (ip[0] & 0x0F) * 4
    udp = ip[ip_header:]
    if len(udp) < 8 + _RTP_HEADER:
        return None
    (destination,) = struct.unpack("!H", udp[2:4])
    rtp = udp[8:]
    if destination != port or rtp[0] >> 6 != 2 or rtp[1] & 0x7F != _PCMU:
        return None
    header = _RTP_HEADER + 4 * (rtp[0] & 0x0F)
    return bytes(rtp[header:])


def _capture(port: int, seconds: float) -> Audio:
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(_ETH_P_ALL))
    try:
        sock.bind(("lo", 0))
        samples: list[int] = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            readable, _, _ = select.select([sock], [], [], left)
            if not readable:
                continue
            packet, address = sock.recvfrom(65535)
            if address[2] == socket.PACKET_OUTGOING:
                continue  # loopback shows each packet twice: keep the incoming copy
            payload = _payload_to(packet, port)
            if payload is not None:
                samples.extend(_ULAW[b] for b in payload)
        return Audio(8000, tuple(samples))
    finally:
        sock.close()


async def phone_hears(rtp_destination: str, seconds: float) -> Audio:
    """The audio sent to ``host:port`` (a channel's ``CHANNEL(rtp,dest)``)."""
    _, _, port = rtp_destination.rpartition(":")
    return await asyncio.to_thread(_capture, int(port), seconds)
