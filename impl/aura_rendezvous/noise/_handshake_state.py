"""Noise HandshakeState (section 5.3) for the IK patterns, sans-IO.

The caller moves bytes; this object only turns payloads into handshake messages
and back. Ephemeral keys come from the caller (``e=``) or from an injected
``generate_keypair`` callable, so vectors and traces replay exactly.

``remote_static`` is exposed as soon as the message carrying it has been fully
authenticated: for IK that is the responder's ``read_message`` of message 1,
before it writes the reply, which is where the rendezvous checks the key against
the roster (DESIGN.md section 5).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs

from aura_rendezvous.core import (
    NoiseConfigError,
    NoiseMalformedError,
    NoiseStateError,
)
from aura_rendezvous.noise._cipher_state import CipherState
from aura_rendezvous.noise._initial_state import InitialStateCache
from aura_rendezvous.noise._keypair import Keypair
from aura_rendezvous.noise._primitives import MAX_MESSAGE_LEN, TAG_LEN
from aura_rendezvous.noise._protocol import NoiseProtocol
from aura_rendezvous.noise._states import (
    MESSAGE_INDEX,
    TRANSITIONS,
    HandshakeEvent,
    HandshakeStage,
    initial_stage,
)
from aura_rendezvous.noise._static_dh import StaticDhCache
from aura_rendezvous.noise._symmetric_state import SymmetricState

__all__ = ["HandshakeState", "NoiseHandshakeResult"]

_PSK_LEN = 32
_BYTES_LIKE = (bytes, bytearray, memoryview)
_SOURCE = "NoiseHandshakeMessage"


@attrs.frozen
class NoiseHandshakeResult:
    """What ``split()`` hands to the transport: our two directions and the handshake hash."""

    send: CipherState = attrs.field(eq=False)
    recv: CipherState = attrs.field(eq=False)
    handshake_hash: bytes


class HandshakeState:
    """One side of a Noise handshake. Build it with ``initiator`` or ``responder``."""

    __slots__ = (
        "_e",
        "_generate_keypair",
        "_handshake_hash",
        "_initiator",
        "_protocol",
        "_psks",
        "_re",
        "_rs",
        "_s",
        "_ss",
        "_stage",
        "_static_dh",
    )

    def __init__(
        self,
        protocol: NoiseProtocol,
        *,
        initiator: bool,
        prologue: bytes,
        s: Keypair,
        rs: bytes | None,
        psks: Sequence[bytes],
        e: Keypair | None,
        generate_keypair: Callable[[], Keypair] | None,
        static_dh: StaticDhCache | None = None,
        initial_state: InitialStateCache | None = None,
    ) -> None:
        self._protocol = protocol
        self._static_dh = static_dh
        self._initiator = initiator
        self._s = s
        self._rs = rs
        self._e = e
        self._re: bytes | None = None
        self._psks = list(psks)
        self._generate_keypair = generate_keypair
        self._stage = initial_stage(initiator)
        self._handshake_hash = b""
        # Pre-messages (section 7.1): the keys both sides already know, in
        # initiator-then-responder order.
        pre: list[bytes] = []
        for owner_is_initiator, tokens in (
            (True, protocol.initiator_pre_messages),
            (False, protocol.responder_pre_messages),
        ):
            mine = owner_is_initiator == initiator
            for token in tokens:
                assert token == "s", "only static pre-messages are in the pattern table"
                public = s.public if mine else rs
                assert public is not None
                pre.append(public)
        key = (prologue, *pre)
        cached = None if initial_state is None else initial_state.get(key)
        if cached is not None:
            ss = SymmetricState.resume(protocol, *cached)
        else:
            ss = SymmetricState(protocol)
            ss.mix_hash(prologue)
            for public in pre:
                ss.mix_hash(public)
            if initial_state is not None:
                initial_state.put(key, ss.ck, ss.h)
        self._ss: SymmetricState | None = ss

    # --- construction ----------------------------------------------------

    @classmethod
    def initiator(
        cls,
        protocol: NoiseProtocol | str,
        *,
        prologue: bytes = b"",
        s: Keypair,
        rs: bytes,
        psks: Sequence[bytes] = (),
        e: Keypair | None = None,
        generate_keypair: Callable[[], Keypair] | None = None,
        static_dh: StaticDhCache | None = None,
        initial_state: InitialStateCache | None = None,
    ) -> HandshakeState:
        """The initiator: knows its static ``s`` and the responder's static ``rs`` (IK).

        ``static_dh``, a cache of DH(s, remote static) built on the same ``s``,
        answers the ``ss`` token instead of a fresh DH (see ``_static_dh``);
        ``initial_state`` keeps the state after the prologue and pre-messages
        (see ``_initial_state``). Neither changes a byte of the handshake.
        """
        proto = _protocol(protocol)
        _check_config(
            proto, prologue=prologue, s=s, psks=psks, e=e, generate_keypair=generate_keypair
        )
        _check_static_dh(proto, s, static_dh)
        _check_initial_state(proto, initial_state)
        if not isinstance(rs, bytes) or len(rs) != proto.dh.dhlen:
            raise NoiseConfigError(f"rs must be a {proto.dh.dhlen}-byte {proto.dh.name} key")
        return cls(
            proto,
            initiator=True,
            prologue=prologue,
            s=s,
            rs=rs,
            psks=psks,
            e=e,
            generate_keypair=generate_keypair,
            static_dh=static_dh,
            initial_state=initial_state,
        )

    @classmethod
    def responder(
        cls,
        protocol: NoiseProtocol | str,
        *,
        prologue: bytes = b"",
        s: Keypair,
        psks: Sequence[bytes] = (),
        e: Keypair | None = None,
        generate_keypair: Callable[[], Keypair] | None = None,
        static_dh: StaticDhCache | None = None,
        initial_state: InitialStateCache | None = None,
    ) -> HandshakeState:
        """The responder: learns the initiator's static key from message 1.

        ``static_dh`` and ``initial_state`` as for :meth:`initiator`.
        """
        proto = _protocol(protocol)
        _check_config(
            proto, prologue=prologue, s=s, psks=psks, e=e, generate_keypair=generate_keypair
        )
        _check_static_dh(proto, s, static_dh)
        _check_initial_state(proto, initial_state)
        return cls(
            proto,
            initiator=False,
            prologue=prologue,
            s=s,
            rs=None,
            psks=psks,
            e=e,
            generate_keypair=generate_keypair,
            static_dh=static_dh,
            initial_state=initial_state,
        )

    def copy(self) -> HandshakeState:
        """An independent handshake state at the same point.

        Reading a message on the copy leaves this one as it was: a caller can
        try a received message and keep the outcome only if it authenticates
        (a forged message then changes nothing, as WireGuard drops it).
        """
        twin = HandshakeState.__new__(HandshakeState)
        twin._protocol = self._protocol
        twin._static_dh = self._static_dh
        twin._initiator = self._initiator
        twin._s = self._s
        twin._rs = self._rs
        twin._e = self._e
        twin._re = self._re
        twin._psks = list(self._psks)
        twin._generate_keypair = self._generate_keypair
        twin._stage = self._stage
        twin._handshake_hash = self._handshake_hash
        twin._ss = None if self._ss is None else self._ss.copy()
        return twin

    # --- observation -------------------------------------------------------

    def __repr__(self) -> str:
        role = "initiator" if self._initiator else "responder"
        return f"<HandshakeState {self._protocol.name} {role} {self._stage.value}>"

    @property
    def protocol(self) -> NoiseProtocol:
        return self._protocol

    @property
    def is_initiator(self) -> bool:
        return self._initiator

    @property
    def stage(self) -> HandshakeStage:
        return self._stage

    @property
    def is_complete(self) -> bool:
        """Both messages done (``split()`` may be called, or was)."""
        return self._stage in (HandshakeStage.Complete, HandshakeStage.Split)

    @property
    def remote_static(self) -> bytes | None:
        """The peer's static key: given (initiator) or learned from an authenticated message 1.

        ``None`` on a responder before message 1, or after a failed one.
        """
        return self._rs

    @property
    def remote_ephemeral(self) -> bytes | None:
        return self._re

    @property
    def handshake_hash(self) -> bytes:
        """The current ``h``; after completion it is the channel-binding handshake hash."""
        if self._ss is not None:
            return self._ss.h
        return self._handshake_hash

    # --- the machine ---------------------------------------------------------

    def _advance(self, event: HandshakeEvent) -> tuple[HandshakeStage, HandshakeStage]:
        current = self._stage
        nxt = TRANSITIONS.get((current, event))
        if nxt is None:
            if current is not HandshakeStage.Failed:
                self._fail()
            raise NoiseStateError(f"{event.value} is not allowed in stage {current.value}")
        return current, nxt

    def _fail(self) -> None:
        self._stage = HandshakeStage.Failed
        # Drop every secret the handshake held: a failed handshake is never resumed.
        self._ss = None
        self._e = None
        self._psks = []
        if not self._initiator:
            # A static key from a message that did not authenticate is not the peer's.
            self._rs = None

    def write_message(self, payload: bytes | bytearray | memoryview = b"") -> bytes:
        """The next handshake message carrying ``payload``.

        Raises ``NoiseStateError`` out of turn, after a failure, or when the
        message would exceed 65535 bytes; any error leaves the stage ``Failed``.
        """
        current, nxt = self._advance(HandshakeEvent.Write)
        try:
            if not isinstance(payload, _BYTES_LIKE):
                raise NoiseConfigError(f"payload must be bytes, got {type(payload).__name__}")
            payload = bytes(payload)
            if len(payload) > MAX_MESSAGE_LEN:
                raise NoiseStateError(f"payload of {len(payload)} bytes exceeds 65535")
            message = self._write(MESSAGE_INDEX[current], payload)
            if len(message) > MAX_MESSAGE_LEN:
                raise NoiseStateError(
                    f"handshake message of {len(message)} bytes exceeds {MAX_MESSAGE_LEN}"
                )
        except BaseException:
            self._fail()
            raise
        self._stage = nxt
        return message

    def read_message(self, message: bytes | bytearray | memoryview) -> bytes:
        """The payload of the peer's next handshake message.

        Raises ``NoiseDecryptError`` (tag failed: wrong key, PSK, prologue, or
        tampering), ``NoiseMalformedError`` (wrong length, unusable key) or
        ``NoiseStateError`` (out of turn, or after a failure). Any error leaves
        the stage ``Failed``.
        """
        current, nxt = self._advance(HandshakeEvent.Read)
        try:
            if not isinstance(message, _BYTES_LIKE):
                raise NoiseConfigError(f"message must be bytes, got {type(message).__name__}")
            if len(message) > MAX_MESSAGE_LEN:
                raise NoiseMalformedError(_SOURCE, f"longer than {MAX_MESSAGE_LEN} bytes")
            payload = self._read(MESSAGE_INDEX[current], bytes(message))
        except BaseException:
            self._fail()
            raise
        self._stage = nxt
        return payload

    def split(self) -> NoiseHandshakeResult:
        """The transport cipher states (``send``/``recv`` oriented for this side).

        Allowed once, after both messages; the handshake's secrets are then dropped.
        """
        _, nxt = self._advance(HandshakeEvent.Split)
        ss = self._ss
        assert ss is not None
        c1, c2 = ss.split()
        self._handshake_hash = ss.h
        self._ss = None
        self._e = None
        self._psks = []
        self._stage = nxt
        if self._initiator:
            return NoiseHandshakeResult(send=c1, recv=c2, handshake_hash=self._handshake_hash)
        return NoiseHandshakeResult(send=c2, recv=c1, handshake_hash=self._handshake_hash)

    # --- token processing ------------------------------------------------------

    def _dh(self, token: str) -> bytes:
        dh = self._protocol.dh
        e, s, re_, rs = self._e, self._s, self._re, self._rs
        # es: initiator's e with responder's s; se: initiator's s with responder's e.
        if token == "ee":
            local, remote = e, re_
        elif token == "ss":
            if self._static_dh is not None and rs is not None:
                return self._static_dh(rs)
            local, remote = s, rs
        elif (token == "es") == self._initiator:
            local, remote = e, rs
        else:
            local, remote = s, re_
        if local is None or remote is None:
            raise NoiseStateError(f"token {token!r} needs a key this side does not have")
        return dh.dh(local.key, remote, _SOURCE)

    def _next_psk(self) -> bytes:
        return self._psks.pop(0)

    def _write(self, index: int, payload: bytes) -> bytes:
        ss = self._ss
        assert ss is not None
        out = bytearray()
        for token in self._protocol.message_patterns[index]:
            if token == "e":
                if self._e is None:
                    if self._generate_keypair is None:
                        raise NoiseStateError("no ephemeral key: pass e= or generate_keypair=")
                    self._e = self._generate_keypair()
                    if not isinstance(self._e, Keypair) or self._e.dh != self._protocol.dh.name:
                        raise NoiseConfigError("generate_keypair returned a key of another DH")
                out += self._e.public
                ss.mix_hash(self._e.public)
                if self._protocol.has_psk:
                    ss.mix_key(self._e.public)
            elif token == "s":
                out += ss.encrypt_and_hash(self._s.public)
            elif token == "psk":
                ss.mix_key_and_hash(self._next_psk())
            else:
                ss.mix_key(self._dh(token))
        out += ss.encrypt_and_hash(payload)
        return bytes(out)

    def _read(self, index: int, message: bytes) -> bytes:
        ss = self._ss
        assert ss is not None
        dhlen = self._protocol.dh.dhlen
        pos = 0
        for token in self._protocol.message_patterns[index]:
            if token == "e":
                if len(message) - pos < dhlen:
                    raise NoiseMalformedError(_SOURCE, "truncated in the ephemeral key", pos)
                self._re = message[pos : pos + dhlen]
                pos += dhlen
                ss.mix_hash(self._re)
                if self._protocol.has_psk:
                    ss.mix_key(self._re)
            elif token == "s":
                n = dhlen + (TAG_LEN if ss.has_key() else 0)
                if len(message) - pos < n:
                    raise NoiseMalformedError(_SOURCE, "truncated in the static key", pos)
                # Published at once because the DH tokens after ``s`` need it; if the
                # payload tag then fails, ``_fail`` withdraws it.
                self._rs = ss.decrypt_and_hash(message[pos : pos + n])
                pos += n
            elif token == "psk":
                ss.mix_key_and_hash(self._next_psk())
            else:
                ss.mix_key(self._dh(token))
        if ss.has_key() and len(message) - pos < TAG_LEN:
            raise NoiseMalformedError(_SOURCE, "truncated in the payload tag", pos)
        return ss.decrypt_and_hash(message[pos:])


def _protocol(protocol: NoiseProtocol | str) -> NoiseProtocol:
    if isinstance(protocol, NoiseProtocol):
        return protocol
    return NoiseProtocol.parse(protocol)


def _check_static_dh(proto: NoiseProtocol, s: Keypair, static_dh: StaticDhCache | None) -> None:
    if static_dh is None:
        return
    if not isinstance(static_dh, StaticDhCache):
        raise NoiseConfigError("static_dh must be a StaticDhCache or None")
    if static_dh.dh_name != proto.dh.name or static_dh.static_public != s.public:
        raise NoiseConfigError("static_dh was built on another static key")


def _check_initial_state(proto: NoiseProtocol, initial_state: InitialStateCache | None) -> None:
    if initial_state is None:
        return
    if not isinstance(initial_state, InitialStateCache):
        raise NoiseConfigError("initial_state must be an InitialStateCache or None")
    if initial_state.protocol.name != proto.name:
        raise NoiseConfigError(
            f"initial_state is for {initial_state.protocol.name}, not {proto.name}"
        )


def _check_config(
    proto: NoiseProtocol,
    *,
    prologue: bytes,
    s: Keypair,
    psks: Sequence[bytes],
    e: Keypair | None,
    generate_keypair: Callable[[], Keypair] | None,
) -> None:
    if not isinstance(prologue, bytes):
        raise NoiseConfigError(f"prologue must be bytes, got {type(prologue).__name__}")
    if not isinstance(s, Keypair) or s.dh != proto.dh.name:
        raise NoiseConfigError(f"s must be a {proto.dh.name} Keypair")
    if e is not None and (not isinstance(e, Keypair) or e.dh != proto.dh.name):
        raise NoiseConfigError(f"e must be a {proto.dh.name} Keypair or None")
    if e is None and generate_keypair is None:
        raise NoiseConfigError("an ephemeral is needed: pass e= or generate_keypair=")
    if len(psks) != proto.psk_count:
        raise NoiseConfigError(f"{proto.name} needs {proto.psk_count} PSK(s), got {len(psks)}")
    for psk in psks:
        if not isinstance(psk, bytes) or len(psk) != _PSK_LEN:
            raise NoiseConfigError(f"each PSK must be {_PSK_LEN} bytes")
