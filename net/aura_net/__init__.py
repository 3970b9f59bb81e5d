"""The asyncio shell of the Aura rendezvous core: real transports on real sockets.

``aura_rendezvous`` stays sans-IO; this package executes its effects over TCP
(length-prefixed frames), QUIC, a WebSocket relay, STUN and journal sync, with every wait bounded
and every bad input from the network a typed ``RemoteProtocolError``. It may
import ``aura_rendezvous``; nothing below it imports this package. See
``docs/transports.md``.
"""

from aura_net._demo import BLOCKS, run_demo
from aura_net._direct import (
    DirectChannel,
    DirectResponder,
    FramedConnection,
    Limits,
    split_addr,
)
from aura_net._driver import Channel, Driver, DriverAction
from aura_net._errors import (
    MAX_KEPT_ERRORS,
    ConnectionLost,
    GuardDenied,
    MalformedStun,
    OversizedFrame,
    PeerTimeout,
    SafetyNetTimeout,
    SyncWithoutEnd,
    TruncatedFrame,
    UnexpectedPeer,
    UnreadableFrame,
)
from aura_net._frame_seal import LABEL_DIRECT_FRAME_KEY, FrameSeal, direct_frame_key
from aura_net._framing import DEFAULT_MAX_FRAME, FrameDecoder, encode_frame, read_frame
from aura_net._ladder import (
    DEFAULT_RUNG_TIMEOUTS,
    DEFAULT_STAGGER_S,
    RUNGS,
    Attempt,
    LadderFailed,
    LadderResult,
    connect_ladder,
)
from aura_net._node import NetNode, wall_clock_ms
from aura_net._quic import ALPN, QuicListener, connect_quic, throwaway_certificate
from aura_net._relay import RelayChannel, RelayClient, RelayServer, hello_message
from aura_net._stun import StunClass, StunMessage, decode_stun, xor_mapped_address
from aura_net._stun_io import StunClient, StunServer, reflexive_hint
from aura_net._sync import MAX_SYNC_ROUNDS, SyncReport, SyncServer, sync_limits, sync_with
from aura_net._sync_wire import SYNC_MAX_FRAME, SyncFrame, SyncKind
from aura_net._tcp import TcpServer, connect_tcp
from aura_net._wait import within
from aura_net._wire import MAX_RECEIPT, WireFrame

__all__ = [
    "ALPN",
    "BLOCKS",
    "DEFAULT_MAX_FRAME",
    "DEFAULT_RUNG_TIMEOUTS",
    "DEFAULT_STAGGER_S",
    "LABEL_DIRECT_FRAME_KEY",
    "MAX_KEPT_ERRORS",
    "MAX_RECEIPT",
    "MAX_SYNC_ROUNDS",
    "RUNGS",
    "SYNC_MAX_FRAME",
    "Attempt",
    "Channel",
    "ConnectionLost",
    "DirectChannel",
    "DirectResponder",
    "Driver",
    "DriverAction",
    "FrameDecoder",
    "FrameSeal",
    "FramedConnection",
    "GuardDenied",
    "LadderFailed",
    "LadderResult",
    "Limits",
    "MalformedStun",
    "NetNode",
    "OversizedFrame",
    "PeerTimeout",
    "QuicListener",
    "RelayChannel",
    "RelayClient",
    "RelayServer",
    "SafetyNetTimeout",
    "StunClass",
    "StunClient",
    "StunMessage",
    "StunServer",
    "SyncFrame",
    "SyncKind",
    "SyncReport",
    "SyncServer",
    "SyncWithoutEnd",
    "TcpServer",
    "TruncatedFrame",
    "UnexpectedPeer",
    "UnreadableFrame",
    "WireFrame",
    "connect_ladder",
    "connect_quic",
    "connect_tcp",
    "decode_stun",
    "direct_frame_key",
    "encode_frame",
    "hello_message",
    "read_frame",
    "reflexive_hint",
    "run_demo",
    "split_addr",
    "sync_limits",
    "sync_with",
    "throwaway_certificate",
    "wall_clock_ms",
    "within",
    "xor_mapped_address",
]
