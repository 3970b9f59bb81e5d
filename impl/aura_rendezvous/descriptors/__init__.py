"""Rendezvous descriptors (seed 4.2-4.3, DESIGN.md 2): transport hints, the
descriptor value, its validity window and choice, signing and sealing.

Imports only ``aura_rendezvous.core``.
"""

from aura_rendezvous.descriptors._choice import choose_descriptor
from aura_rendezvous.descriptors._descriptor import (
    MAX_DESCRIPTOR_LEN,
    MAX_HINTS,
    RendezvousDescriptor,
    build_descriptor,
    is_valid_at,
)
from aura_rendezvous.descriptors._hints import (
    HINT_TYPES,
    MAX_ADDR_LEN,
    QuicDirect,
    QuicReflexive,
    TcpDirect,
    TransportHint,
    WebSocketRelay,
    decode_hint,
    write_hint,
)
from aura_rendezvous.descriptors._sealed import (
    LABEL_DESCRIPTOR_SEAL_NONCE,
    LABEL_DESCRIPTOR_SIGNATURE,
    MAX_SEALED_LEN,
    SealedDescriptor,
    SignedDescriptor,
    open_descriptor,
    seal_descriptor,
    sign_descriptor,
    verify_descriptor,
)
from aura_rendezvous.descriptors._window import build_window, needs_refresh_at, window_contains

__all__ = [
    "HINT_TYPES",
    "LABEL_DESCRIPTOR_SEAL_NONCE",
    "LABEL_DESCRIPTOR_SIGNATURE",
    "MAX_ADDR_LEN",
    "MAX_DESCRIPTOR_LEN",
    "MAX_HINTS",
    "MAX_SEALED_LEN",
    "QuicDirect",
    "QuicReflexive",
    "RendezvousDescriptor",
    "SealedDescriptor",
    "SignedDescriptor",
    "TcpDirect",
    "TransportHint",
    "WebSocketRelay",
    "build_descriptor",
    "build_window",
    "choose_descriptor",
    "decode_hint",
    "is_valid_at",
    "needs_refresh_at",
    "open_descriptor",
    "seal_descriptor",
    "sign_descriptor",
    "verify_descriptor",
    "window_contains",
    "write_hint",
]
