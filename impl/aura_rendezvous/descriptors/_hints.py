"""Transport hints (seed 4.3): where a publisher can be reached, in the seed's four kinds."""

from __future__ import annotations

import attrs

from aura_rendezvous.core import (
    AuthorityId,
    InvalidDescriptor,
    Reader,
    Writer,
    is_authority,
)

__all__ = [
    "MAX_ADDR_LEN",
    "QuicDirect",
    "QuicReflexive",
    "TcpDirect",
    "TransportHint",
    "WebSocketRelay",
    "decode_hint",
]

MAX_ADDR_LEN = 255


def _addr(inst: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str):
        raise InvalidDescriptor(f"{attribute.name} must be str")
    if not value or len(value.encode("utf-8")) > MAX_ADDR_LEN:
        raise InvalidDescriptor(f"{attribute.name} must be 1..{MAX_ADDR_LEN} UTF-8 bytes")


@attrs.frozen
class QuicDirect:
    """Direct QUIC to ``addr`` (``host:port``)."""

    addr: str = attrs.field(validator=_addr)
    kind = 1
    is_direct = True


@attrs.frozen
class QuicReflexive:
    """QUIC to the STUN-discovered reflexive ``addr``."""

    addr: str = attrs.field(validator=_addr)
    stun_server: str = attrs.field(validator=_addr)
    kind = 2
    is_direct = True


@attrs.frozen
class WebSocketRelay:
    """WebSocket relay through ``relay_authority`` (reveals only the relay)."""

    relay_authority: AuthorityId = attrs.field(validator=is_authority)
    kind = 3
    is_direct = False


@attrs.frozen
class TcpDirect:
    """Direct TCP to ``addr``."""

    addr: str = attrs.field(validator=_addr)
    kind = 4
    is_direct = True


TransportHint = QuicDirect | QuicReflexive | WebSocketRelay | TcpDirect
HINT_TYPES = (QuicDirect, QuicReflexive, WebSocketRelay, TcpDirect)


def write_hint(w: Writer, hint: TransportHint) -> None:
    """Append one hint to ``w`` (used by the descriptor encoder)."""
    w.u8(hint.kind)
    if isinstance(hint, QuicReflexive):
        w.text(hint.addr, MAX_ADDR_LEN).text(hint.stun_server, MAX_ADDR_LEN)
    elif isinstance(hint, WebSocketRelay):
        w.authority(hint.relay_authority)
    else:
        w.text(hint.addr, MAX_ADDR_LEN)


def decode_hint(r: Reader) -> TransportHint:
    """Read one hint from ``r`` (used by the descriptor decoder)."""
    kind = r.u8()
    if kind == QuicDirect.kind:
        return QuicDirect(r.text(MAX_ADDR_LEN))
    if kind == QuicReflexive.kind:
        return QuicReflexive(r.text(MAX_ADDR_LEN), r.text(MAX_ADDR_LEN))
    if kind == WebSocketRelay.kind:
        return WebSocketRelay(r.authority())
    if kind == TcpDirect.kind:
        return TcpDirect(r.text(MAX_ADDR_LEN))
    raise r.fail(f"unknown transport hint kind {kind}")
